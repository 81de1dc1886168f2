#!/usr/bin/python3
"""PyTorch 1.13 reference for `ants embed-image` / `ants embed-text` on a Hugging Face-layout CLIP.

The same graph as ants (pre-LN ViT, QuickGELU, CLS pooling, projection, L2 normalisation) written
directly in torch (Debian has no transformers/open_clip), with PIL + torchvision preprocessing in
the HF/OpenOOD order (RGB first, Resize(shorter side, bicubic), CenterCrop, ToTensor, Normalize).
Used by scripts/bench.sh for the whole-process comparison and as an independent check of the
engine on models other than the shared tiny one.

  torch_clip.py images MODEL_DIR FILE...      -> JSONL {"file", "embedding"}
  torch_clip.py texts MODEL_DIR IDS_JSON...   -> JSONL {"ids", "embedding"} (ids as a JSON array)
"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64}


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = data[b:end]
        if e["dtype"] == "BF16":
            u = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = u.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[e["dtype"]])
        out[name] = torch.from_numpy(arr.reshape(e["shape"]).astype(np.float32) if arr.dtype != np.int64 else arr.reshape(e["shape"]))
    return out


class Clip:
    def __init__(self, model_dir):
        cfg = json.load(open(f"{model_dir}/config.json"))
        self.w = load_safetensors(f"{model_dir}/model.safetensors")
        self.vc, self.tc = cfg["vision_config"], cfg["text_config"]

    def block(self, x, p, heads, causal):
        w = self.w
        B, T, C = x.shape
        h = F.layer_norm(x, (C,), w[p + "layer_norm1.weight"], w[p + "layer_norm1.bias"], 1e-5)
        q = F.linear(h, w[p + "self_attn.q_proj.weight"], w[p + "self_attn.q_proj.bias"])
        k = F.linear(h, w[p + "self_attn.k_proj.weight"], w[p + "self_attn.k_proj.bias"])
        v = F.linear(h, w[p + "self_attn.v_proj.weight"], w[p + "self_attn.v_proj.bias"])
        split = lambda t: t.view(B, T, heads, C // heads).transpose(1, 2)
        q, k, v = split(q), split(k), split(v)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(C // heads)
        if causal:
            s = s + torch.full((T, T), float("-inf")).triu(1)
        a = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + F.linear(a, w[p + "self_attn.out_proj.weight"], w[p + "self_attn.out_proj.bias"])
        h = F.layer_norm(x, (C,), w[p + "layer_norm2.weight"], w[p + "layer_norm2.bias"], 1e-5)
        h = F.linear(h, w[p + "mlp.fc1.weight"], w[p + "mlp.fc1.bias"])
        h = h * torch.sigmoid(1.702 * h)
        return x + F.linear(h, w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"])

    def images(self, pixels):
        w, vc = self.w, self.vc
        pre = "vision_model."
        x = F.conv2d(pixels, w[pre + "embeddings.patch_embedding.weight"], stride=vc["patch_size"])
        x = x.flatten(2).transpose(1, 2)
        cls = w[pre + "embeddings.class_embedding"].expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], 1) + w[pre + "embeddings.position_embedding.weight"]
        C = x.shape[-1]
        x = F.layer_norm(x, (C,), w[pre + "pre_layrnorm.weight"], w[pre + "pre_layrnorm.bias"], 1e-5)
        for i in range(vc["num_hidden_layers"]):
            x = self.block(x, f"{pre}encoder.layers.{i}.", vc["num_attention_heads"], False)
        x = F.layer_norm(x[:, 0], (C,), w[pre + "post_layernorm.weight"], w[pre + "post_layernorm.bias"], 1e-5)
        return F.normalize(F.linear(x, w["visual_projection.weight"]), dim=-1)

    def texts(self, ids):
        w, tc = self.w, self.tc
        pre = "text_model."
        T = max(len(i) for i in ids)
        tok = torch.tensor([i + [0] * (T - len(i)) for i in ids])
        x = w[pre + "embeddings.token_embedding.weight"][tok] + w[pre + "embeddings.position_embedding.weight"][:T]
        for i in range(tc["num_hidden_layers"]):
            x = self.block(x, f"{pre}encoder.layers.{i}.", tc["num_attention_heads"], True)
        C = x.shape[-1]
        x = F.layer_norm(x, (C,), w[pre + "final_layer_norm.weight"], w[pre + "final_layer_norm.bias"], 1e-5)
        eot = torch.tensor([i.index(49407) if 49407 in i else len(i) - 1 for i in ids])
        x = x[torch.arange(len(ids)), eot]
        return F.normalize(F.linear(x, w["text_projection.weight"]), dim=-1)


def main():
    mode, model_dir, items = sys.argv[1], sys.argv[2], sys.argv[3:]
    torch.set_grad_enabled(False)
    clip = Clip(model_dir)
    if mode == "texts":
        ids = [json.loads(s) for s in items]
        for i, e in zip(ids, clip.texts(ids)):
            print(json.dumps({"ids": i, "embedding": e.tolist()}))
        return
    size = clip.vc["image_size"]
    tf = transforms.Compose([
        transforms.Resize(size, interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.CenterCrop(size),
        transforms.ToTensor(),
        transforms.Normalize((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)),
    ])
    batch = 32
    for s in range(0, len(items), batch):
        files = items[s:s + batch]
        px = torch.stack([tf(Image.open(f).convert("RGB")) for f in files])
        for f, e in zip(files, clip.images(px)):
            print(json.dumps({"file": f, "embedding": e.tolist()}))


if __name__ == "__main__":
    main()
