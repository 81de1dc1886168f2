"""ants: zero-shot, training-free, test-time OOD detection (ANTS) on a native CLIP engine.

    clip = ants.Clip("models/clip-vit-b16")
    det = ants.Detector(clip, "imagenet", mllm=ants.MllmClient(url="http://127.0.0.1:8080"))
    scores = det.score(["a.jpg", "b.png"])          # higher = more in-distribution

Clip embeds texts and images as float32 numpy arrays; negatives() builds the NegLabel bank;
Detector scores images (or your own features) with MCM, NegLabel or ANTS; MllmClient talks to an
OpenAI-compatible server, and any Python object with describe()/similar() can be the MLLM;
eval() runs `ants eval` (or some of its runs, which eval_merge() puts together); metrics() gives the OpenOOD metrics in percent. Every library error is
an ants.Error (a RuntimeError) with the library's one-line message. Long calls release the GIL,
take an optional progress(done, total) callable, and stop on Ctrl-C (KeyboardInterrupt).
"""

import atexit as _atexit
import weakref as _weakref

import numpy as _np

from . import _ants
from ._ants import Error, MllmClient, TextBank, __version__, demo_images, eval, eval_merge, metrics, negatives

__all__ = ["Clip", "Detector", "Error", "MllmClient", "Scores", "TextBank", "demo_images", "eval", "eval_merge",
           "metrics", "negatives", "__version__"]


def _is_pil(x):
    return hasattr(x, "convert") and hasattr(x, "mode") and hasattr(x, "size") and not isinstance(x, _np.ndarray)


def _images(images):
    """PIL images (duck-typed: Pillow is not required) become uint8 RGB arrays; the rest as given."""
    if _is_pil(images):
        return [_np.asarray(images.convert("RGB"))]
    if isinstance(images, (_np.ndarray, str, bytes)):
        return images
    return [_np.asarray(im.convert("RGB")) if _is_pil(im) else im for im in images]


class Clip(_ants.Clip):
    __doc__ = _ants.Clip.__doc__

    def encode_images(self, images, preprocess="clip", batch=32, progress=None, max_pixels=1 << 28):
        """L2-normalised image embeddings: float32 array (N, embed_dim).

        images: a list of paths, encoded bytes (JPEG, PNG, WebP, BMP), uint8 RGB arrays (H, W, 3)
        or PIL images; a uint8 array (N, H, W, 3); or a float32 array (N, 3, S, S) already
        preprocessed (S = info['image_size'], read without a copy when C-contiguous).
        preprocess: 'clip' or 'openood' (resize 256/224 of S, then centre crop). batch: images per
        forward pass. max_pixels: the largest image decoded (width x height, from its header; the
        CLI's --max-pixels). An image that cannot be read (or is larger) raises ants.Error naming
        it; a wrong dtype or shape raises ValueError naming the expected one.
        """
        return self._encode_images(_images(images), preprocess, batch, progress, max_pixels)


class Scores:
    """What Detector.score returns, one entry per input in order.

    score: float32 (N,), higher = more in-distribution (NaN for an image that could not be read);
    pred: int32 (N,), the zero-shot ID class index (-1 on error); prob: float32 (N,), its softmax
    probability over the ID classes; far, near: float32 (N,), ANTS's S_ens and S_vsnl before
    fusion (None for the other methods); names: list[str]; errors: [(index, name, message)].
    """

    def __init__(self, d):
        self.score, self.pred, self.prob = d["score"], d["pred"], d["prob"]
        self.far, self.near = d.get("far"), d.get("near")
        self.names, self.errors = d["names"], d["errors"]

    def __len__(self):
        return len(self.score)

    def __repr__(self):
        return f"Scores(n={len(self)}, errors={len(self.errors)})"


def _unit_rows(fn):
    def encode(texts):
        rows = _np.ascontiguousarray(fn(list(texts)), dtype=_np.float32)
        return rows / _np.linalg.norm(rows, axis=1, keepdims=True)
    return encode


_async_detectors = _weakref.WeakSet()


@_atexit.register
def _close_async_detectors():
    for d in list(_async_detectors):
        d._d._close()


class Detector:
    """Zero-shot OOD scores of images in a stream: method 'ants' (default), 'neglabel', 'mcm', 'adaneg', 'csp' or 'eoe'.

    Detector(clip, classes, method="ants", mode=None, mllm=None, negatives=None, preset=None,
             text_encoder=None, logit_scale=100.0, mllm_sync=True, mllm_parse="lenient",
             preprocess="clip", infer_batch=32, progress=None, **options)

    clip: an ants.Clip, or None to score your own (N, D) features (then text_encoder= a Clip or a
    callable texts -> (M, D) embeds the ID prompts, negatives and mined labels; rows are
    L2-normalised here). classes: a list of names, a built-in list ('imagenet', 'cifar100',
    'imagenet-r', 'cub200', ...: the names `ants detect --help` gives for --classes), or a
    class-list file. mode: 'ada' (default), 'far_only', 'near_only'. mllm: an ants.MllmClient, or
    any object with describe(image: bytes, exclude_class: str | None) -> str | None and optionally
    similar(class_name: str) -> list[str] | str | None (without it VSNL is off); its answers are
    cleaned as a server's (mllm_parse), an exception or None is "no answer". negatives: a
    negative-prompt file or an ants.TextBank instead of the NegLabel selection. preset:
    'paper-far' or 'paper-near'. options: the `ants detect` options without '--', dashes as
    underscores: eta, gamma0, ens_updates, min_candidates, queue_cap, groups, near_start,
    near_interval, near_top, balance_repeats, near_template, no_permute, neglabel_init,
    activation_aware, activation_count, activation_step, activation_gap, activation_history,
    threshold_rule ('head', 'paper', 'fixed'), lambda_rule ('head', 'paper', 'log', 'exp', 'fixed:X'),
    near_select ('top:K', 'ratio:D', 'all'), ens_id_noise, mllm_caption_only, count, corpus,
    text_batch, cache_dir, no_cache, max_pixels; AdaNeg's adaneg_thres, adaneg_gap, adaneg_memory,
    adaneg_lambda, adaneg_beta, adaneg_groups, adaneg_samada, adaneg_score ('combine', 'adaonly',
    'vanillaonly', 'multiply'); CSP's csp_ratio, csp_percentile, csp_max_sim, csp_seed, csp_groups,
    csp_exclude ('a.txt,b.txt'). CSP builds its own ID ensembles and bank from `corpus` (negatives
    does not apply) and needs a text encoder with raw features (a Clip). EOE's eoe_task ('far',
    'near'), eoe_count, eoe_beta, eoe_tau, eoe_logits ('scaled', 'cosine'), eoe_template,
    eoe_preset ('ants', 'official'; explicit eoe_* options win): its negatives are the outlier
    names `mllm` envisions (an ants.MllmClient; text-only requests of kind 'envision').

    One Detector may be shared by several threads: their calls take turns (the GIL is free
    meanwhile). reset() and restore() drop asynchronous MLLM answers not yet used.
    """

    def __init__(self, clip, classes, method="ants", mode=None, mllm=None, negatives=None, preset=None,
                 text_encoder=None, logit_scale=100.0, mllm_sync=True, mllm_parse="lenient", preprocess="clip",
                 infer_batch=32, progress=None, **options):
        if text_encoder is not None and not isinstance(text_encoder, _ants.Clip):
            text_encoder = _unit_rows(text_encoder)
        self._d = _ants._Detector(clip, classes, method, mode, mllm, negatives, preset, text_encoder, logit_scale,
                                  mllm_sync, mllm_parse, preprocess, infer_batch, progress, **options)
        if mllm is not None and not mllm_sync and not isinstance(mllm, MllmClient):
            _async_detectors.add(self)  # its MLLM thread calls Python: stopped before Python exits

    def score(self, inputs, batch=None, files=None, images=None, progress=None):
        """Scores images (paths, bytes, uint8 arrays, PIL images) or features (float32 (N, D)).

        One call is one detector batch (the ANTS update cadence) unless batch= splits it. With
        features, files= (paths) or images= give the MLLM the pictures behind the rows. Returns
        ants.Scores; an image that cannot be read gets score NaN, pred -1 and an entry in
        Scores.errors while the others are scored.
        """
        if images is not None:
            images = _images(images)
        if not (isinstance(inputs, _np.ndarray) and inputs.dtype != _np.uint8):
            inputs = _images(inputs)
        return Scores(self._d.score(inputs, batch, files, images, progress))

    state = property(lambda self: self._d.state,
                     doc="Detector counters (dict): batches, images, ens_updates, vsnl_updates, gamma, lambda, "
                         "far_rows, near_rows, pending_candidates, describe/similar requests and failures.")
    ens_labels = property(lambda self: self._d.ens_labels, doc="Labels of the ENS (far) bank, newest update first; EOE: the envisioned outlier names.")
    vsnl_labels = property(lambda self: self._d.vsnl_labels, doc="Labels of the VSNL (near) bank.")
    classes = property(lambda self: self._d.classes, doc="The ID class names.")
    method = property(lambda self: self._d.method, doc="'ants', 'neglabel', 'mcm', 'adaneg', 'csp' or 'eoe'.")
    negatives = property(lambda self: self._d.negatives, doc="Rows of the negative bank.")
    warnings = property(lambda self: self._d.warnings, doc="Problems met while building the banks (e.g. cache).")

    def reset(self, seed=None):
        """Forgets the stream: banks, histories, threshold and counters as after construction. A seed
        starts a stream whose random draws (ens_id_noise) follow it; None keeps the current one."""
        self._d.reset(seed)

    def snapshot(self, path):
        """Saves the detector's whole state to path (atomically); restore() reads it back."""
        self._d.snapshot(path)

    def restore(self, path):
        """Restores a snapshot of a detector of the same setup (ants.Error otherwise)."""
        self._d.restore(path)
