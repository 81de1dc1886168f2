"""ants: zero-shot, training-free, test-time OOD detection (ANTS) on a native CLIP engine.

Clip(model_dir) embeds texts and images as float32 numpy arrays; metrics(id, ood) gives the
OpenOOD v1.5 metrics in percent. Every library error is an ants.Error (a RuntimeError) with the
library's one-line message.
"""

from ._ants import Clip, Error, __version__, metrics

__all__ = ["Clip", "Error", "metrics", "__version__"]
