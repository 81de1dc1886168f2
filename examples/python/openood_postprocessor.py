"""Sketch: ANTS as an OpenOOD-style postprocessor over CLIP features from your own network.

OpenOOD calls `postprocess(net, data) -> (pred, conf)` per batch, higher conf = more ID. Here the
image features come from the user's CLIP (e.g. open_clip or transformers in PyTorch), and
ants.Detector(clip=None, ...) keeps the ANTS state across batches. The text side (ID prompts,
NegLabel negatives, mined labels) is embedded by the same network through `text_encoder`, so
image and text features live in one space. Not run in CI (it needs PyTorch and a real model).
"""
import numpy as np

import ants


class AntsPostprocessor:
    def __init__(self, net, tokenizer, class_names, mllm=None, device="cpu"):
        import torch

        self.net, self.device, self.torch = net, device, torch

        def encode_texts(texts):
            with torch.no_grad():
                f = net.encode_text(tokenizer(texts).to(device)).float()
            return f.cpu().numpy()  # rows are L2-normalised by ants

        self.detector = ants.Detector(None, class_names, text_encoder=encode_texts, mllm=mllm,
                                      logit_scale=float(net.logit_scale.exp()))

    def postprocess(self, net, data, files=None):
        with self.torch.no_grad():
            f = net.encode_image(data.to(self.device)).float()
        f = f / f.norm(dim=-1, keepdim=True)
        # One call = one ANTS batch; files= lets the MLLM see the pictures behind the rows.
        s = self.detector.score(np.ascontiguousarray(f.cpu().numpy(), np.float32), files=files)
        return self.torch.from_numpy(s.pred.astype(np.int64)), self.torch.from_numpy(s.score)


if __name__ == "__main__":
    print(__doc__)
    print("Use: post = AntsPostprocessor(net, tokenizer, class_names); pred, conf = post.postprocess(net, images)")
