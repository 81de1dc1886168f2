#!/usr/bin/python3
"""open_clip's own PyTorch model as the peer of `ants embed-image` on an open_clip-layout model
directory (any tower open_clip builds: ViT or ModifiedResNet), with open_clip's own preprocessing
(Resize(shorter side, bicubic), CenterCrop, ToTensor, Normalize).

Needs Debian's torch (python3-torch 1.13, python3-torchvision) and open_clip_torch from PyPI
on PYTHONPATH (2.24.0 runs on torch 1.13).

  open_clip_peer.py images MODEL_DIR FILE...   -> JSONL {"file", "embedding"}, batches of 32
"""
import json
import os
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_clip import load_safetensors  # noqa: E402


def load_model(model_dir):
    """open_clip's CLIP from an open_clip_config.json + open_clip_model.safetensors directory;
    strict loading, so every tensor name must be open_clip's."""
    from open_clip.model import CLIP
    cfg = json.loads((Path(model_dir) / "open_clip_config.json").read_text())
    mc = cfg.get("model_cfg", cfg)
    model = CLIP(mc["embed_dim"], mc["vision_cfg"], mc["text_cfg"], quick_gelu=mc.get("quick_gelu", False))
    model.load_state_dict(load_safetensors(Path(model_dir) / "open_clip_model.safetensors"), strict=True)
    return model.eval(), mc


def main():
    from open_clip.transform import image_transform
    mode, model_dir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    if mode != "images":
        sys.exit("usage: open_clip_peer.py images MODEL_DIR FILE...")
    torch.set_grad_enabled(False)
    torch.set_num_threads(os.cpu_count())  # Debian's torch starts with one thread here
    model, mc = load_model(model_dir)
    tf = image_transform(mc["vision_cfg"]["image_size"], is_train=False)
    for s in range(0, len(files), 32):
        batch = files[s:s + 32]
        px = torch.stack([tf(Image.open(f)) for f in batch])
        for f, e in zip(batch, F.normalize(model.encode_image(px), dim=-1)):
            print(json.dumps({"file": f, "embedding": e.tolist()}))


if __name__ == "__main__":
    main()
