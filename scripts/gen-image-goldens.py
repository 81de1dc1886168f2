#!/usr/bin/python3
"""Generates the image decode / resize / preprocess goldens in tests/data/images/.

Run with Debian's interpreter, whose PIL (python3-pil 9.x) and torchvision (0.14) are the
reference: /usr/bin/python3 scripts/gen-image-goldens.py

Every expected value comes from PIL's Image.open(f).convert("RGB"), Image.resize(BICUBIC) and
torchvision's Resize/CenterCrop/ToTensor/Normalize, except for 16-bit PNG samples, where ants
deliberately uses round(v / 257) (computed here in numpy) instead of PIL's truncation.
"""
import io
import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "images"
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
rng = np.random.default_rng(20240611)


# ------------------------------------------------------------------------------------------
# A minimal PNG writer for what PIL cannot write: 16-bit RGB(A), Adam7 interlacing, 2-bit gray,
# palettes with indices beyond the PLTE entries.

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def pack_rows(samples, bit_depth):
    """samples: (h, w*channels) integer array -> list of row byte strings."""
    rows = []
    for row in samples:
        if bit_depth == 16:
            rows.append(row.astype(">u2").tobytes())
        elif bit_depth == 8:
            rows.append(row.astype(np.uint8).tobytes())
        else:
            per_byte = 8 // bit_depth
            padded = np.zeros(-(-len(row) // per_byte) * per_byte, np.uint8)
            padded[: len(row)] = row
            packed = np.zeros(len(padded) // per_byte, np.uint8)
            for i in range(per_byte):
                packed |= padded[i::per_byte] << (8 - bit_depth * (i + 1))
            rows.append(packed.tobytes())
    return rows


def write_png(path, pixels, bit_depth, color_type, interlace=False, plte=None, trns=None):
    """pixels: (h, w, channels) integers."""
    h, w, ch = pixels.shape
    raw = b""
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = pixels[y0::dy, x0::dx]
            if sub.size == 0:
                continue
            raw += b"".join(b"\0" + r for r in pack_rows(sub.reshape(sub.shape[0], -1), bit_depth))
    else:
        raw = b"".join(b"\0" + r for r in pack_rows(pixels.reshape(h, -1), bit_depth))
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, int(interlace))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if plte is not None:
        png += chunk(b"PLTE", bytes(np.asarray(plte, np.uint8).ravel()))
    if trns is not None:
        png += chunk(b"tRNS", trns)
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    Path(path).write_bytes(png)


# ------------------------------------------------------------------------------------------
# Synthetic content


def smooth_rgb(w, h, seed_shift=0.0):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127.5 + 127.5 * np.sin(x / w * 5.1 + seed_shift) * np.cos(y / h * 3.7)
    g = 255.0 * x / max(w - 1, 1)
    b = 255.0 * (0.5 + 0.5 * np.cos((x + 2 * y) / (w + h) * 9.0 + seed_shift))
    return np.stack([r, g, b], -1)


def test_pattern(w, h):
    """Smooth fields, hard edges and noise, so that resampling and chroma subsampling matter."""
    img = smooth_rgb(w, h) + rng.normal(0, 18, (h, w, 3))
    img[h // 4 : h // 2, w // 5 : w // 2] = [250, 10, 30]
    img[(np.arange(h)[:, None] + np.arange(w)[None, :]) % 7 == 0] = [0, 0, 0]
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def photo_like(w, h):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    sky = np.stack([90 + 80 * y / h, 140 + 60 * y / h, 230 - 40 * y / h], -1)
    ground = np.stack([60 + 40 * np.sin(x / 23.0), 120 + 30 * np.cos(y / 17.0), 50 + 0 * x], -1)
    img = np.where((y > h * 0.55 + 12 * np.sin(x / 40.0))[..., None], ground, sky)
    sun = (x - w * 0.7) ** 2 + (y - h * 0.25) ** 2 < (h * 0.12) ** 2
    img[sun] = [255, 230, 120]
    img += rng.normal(0, 4, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------------------------


def save_raw(name, array):
    (OUT / name).write_bytes(np.ascontiguousarray(array).tobytes())
    return name


def pil_rgb(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def round257(v):
    return np.rint(v.astype(np.float64) / 257.0).astype(np.uint8)


def make_sources():
    """Writes the source images; returns {file: expected RGB or None (= ask PIL)}."""
    src = {}
    w, h = 23, 17
    rgb16 = rng.integers(0, 65536, (h, w, 3), dtype=np.int64)
    rgb16[0, :6, 0] = [128, 129, 385, 386, 65407, 65408]  # around the round(v / 257) boundaries
    write_png(OUT / "rgb16.png", rgb16, 16, 2)
    src["rgb16.png"] = round257(rgb16)

    gray16 = rng.integers(0, 65536, (13, 19, 1), dtype=np.int64)
    write_png(OUT / "gray16.png", gray16, 16, 0)
    src["gray16.png"] = np.repeat(round257(gray16), 3, -1)

    rgba16 = rng.integers(0, 65536, (11, 14, 4), dtype=np.int64)
    write_png(OUT / "rgba16.png", rgba16, 16, 6)
    src["rgba16.png"] = round257(rgba16[..., :3])

    la = np.dstack([test_pattern(21, 15)[..., 0], rng.integers(0, 256, (15, 21), dtype=np.uint8)])
    Image.fromarray(la, "LA").save(OUT / "gray-alpha.png")
    src["gray-alpha.png"] = None

    palette = rng.integers(0, 256, (256, 3), dtype=np.uint8)
    p = Image.fromarray(rng.integers(0, 256, (18, 22), dtype=np.uint8), "L").convert("P")
    p.putpalette(palette.ravel().tolist())
    p.save(OUT / "palette-trns.png", transparency=bytes(rng.integers(0, 256, 256, dtype=np.uint8)))
    src["palette-trns.png"] = None

    # 2-bit palette with 3 PLTE entries: index 3 is undefined; PIL maps it through a gray ramp.
    write_png(OUT / "palette-short.png", rng.integers(0, 4, (9, 13, 1)), 2, 3,
              plte=[[200, 10, 10], [10, 200, 10], [10, 10, 200]], trns=b"\x00\x80")
    src["palette-short.png"] = None

    write_png(OUT / "interlaced.png", test_pattern(29, 21), 8, 2, interlace=True)
    src["interlaced.png"] = None
    ga16 = rng.integers(0, 65536, (10, 11, 2), dtype=np.int64)
    write_png(OUT / "interlaced16.png", ga16, 16, 4, interlace=True)
    src["interlaced16.png"] = np.repeat(round257(ga16[..., :1]), 3, -1)
    # PIL keeps the high byte of 16-bit RGB / gray+alpha samples: this checks the PNG writer.
    assert np.array_equal(pil_rgb(OUT / "interlaced16.png"), np.repeat(ga16[..., :1] >> 8, 3, -1))
    assert np.array_equal(pil_rgb(OUT / "rgb16.png"), rgb16 >> 8)

    write_png(OUT / "gray2.png", rng.integers(0, 4, (7, 9, 1)), 2, 0)
    src["gray2.png"] = None
    Image.fromarray(rng.integers(0, 2, (10, 12), dtype=np.uint8) * 255, "L").convert("1").save(OUT / "gray1.png")
    src["gray1.png"] = None

    rgb = test_pattern(16, 12)
    Image.fromarray(rgb).save(OUT / "rgb-trns.png", transparency=tuple(int(v) for v in rgb[0, 0]))
    src["rgb-trns.png"] = None
    rgba = np.dstack([test_pattern(15, 10), rng.integers(0, 256, (10, 15), dtype=np.uint8)])
    Image.fromarray(rgba, "RGBA").save(OUT / "rgba.png")
    src["rgba.png"] = None

    jpeg_src = test_pattern(40, 30)
    Image.fromarray(jpeg_src[..., 1], "L").save(OUT / "gray.jpg", quality=90)
    Image.fromarray(jpeg_src).save(OUT / "rgb420.jpg", quality=90, subsampling=2)
    Image.fromarray(jpeg_src).save(OUT / "rgb444.jpg", quality=90, subsampling=0)
    Image.fromarray(test_pattern(37, 26)).save(OUT / "progressive.jpg", quality=85, progressive=True, subsampling=1)
    cmyk = np.dstack([jpeg_src, rng.integers(0, 256, (30, 40), dtype=np.uint8)])
    Image.fromarray(cmyk, "CMYK").save(OUT / "cmyk.jpg", quality=90)
    src.update({"gray.jpg": None, "rgb420.jpg": None, "rgb444.jpg": None, "progressive.jpg": None, "cmyk.jpg": None})

    Image.fromarray(jpeg_src).save(OUT / "lossy.webp", quality=80)
    Image.fromarray(jpeg_src).save(OUT / "lossless.webp", lossless=True)
    webp_rgba = np.dstack([test_pattern(24, 18), rng.integers(0, 256, (18, 24), dtype=np.uint8)])
    webp_rgba[:4, :, 3] = 0
    Image.fromarray(webp_rgba, "RGBA").save(OUT / "lossy-alpha.webp", quality=80)
    Image.fromarray(webp_rgba, "RGBA").save(OUT / "lossless-alpha.webp", lossless=True, exact=True)
    src.update({"lossy.webp": None, "lossless.webp": None, "lossy-alpha.webp": None, "lossless-alpha.webp": None})

    Image.fromarray(test_pattern(19, 11)).save(OUT / "rgb24.bmp")
    bmp_rgba = np.dstack([test_pattern(13, 9), rng.integers(0, 256, (9, 13), dtype=np.uint8)])
    Image.fromarray(bmp_rgba, "RGBA").save(OUT / "rgba32.bmp")  # 32-bit BGRA, read back as RGB
    bmp_p = Image.fromarray(test_pattern(17, 10)).convert("P", palette=Image.Palette.ADAPTIVE, colors=200)
    bmp_p.save(OUT / "palette8.bmp")
    src.update({"rgb24.bmp": None, "rgba32.bmp": None, "palette8.bmp": None})
    return src


def check_pil_reads(path, expected_mode):
    with Image.open(path) as im:
        assert im.mode == expected_mode, (path, im.mode)


def decode_goldens(sources):
    entries = []
    for name, expected in sources.items():
        if expected is None:
            expected = pil_rgb(OUT / name)
        else:
            got = pil_rgb(OUT / name)  # PIL must at least read these files
            assert got.shape == expected.shape, name
        entries.append({"file": name, "width": int(expected.shape[1]), "height": int(expected.shape[0]),
                        "rgb": save_raw(name + ".rgb", expected.astype(np.uint8))})
    return entries


def resize_goldens():
    base = test_pattern(61, 47)
    base[:, :12] = rng.integers(0, 2, (47, 12, 3), dtype=np.uint8) * 255  # clipping in the lobes
    Image.fromarray(base).save(OUT / "resize-src.png")
    entries = []
    for w, h in [(30, 23), (61, 20), (20, 47), (90, 70), (7, 5), (1, 1), (200, 3), (3, 160), (61, 47), (44, 46)]:
        out = np.asarray(Image.fromarray(base).resize((w, h), Image.Resampling.BICUBIC))
        entries.append({"file": "resize-src.png", "width": w, "height": h,
                        "rgb": save_raw(f"resize-src.{w}x{h}.rgb", out)})
    return entries


def torchvision_pixels(rgb, resize, crop, mean, std):
    tf = T.Compose([T.Resize(resize, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(crop),
                    T.ToTensor(), T.Normalize(mean, std)])
    return tf(Image.fromarray(rgb)).numpy()


def preprocess_goldens(sources):
    cases = []
    for name, w, h in [("crop-odd-4.png", 25, 16), ("crop-odd-6.png", 27, 16), ("crop-odd-tall.png", 16, 27),
                       ("upscale.png", 10, 7), ("odd-ratio.png", 37, 23)]:
        Image.fromarray(test_pattern(w, h)).save(OUT / name)
        cases.append((name, 16, 16, CLIP_MEAN, CLIP_STD))
    cases += [("odd-ratio.png", 12, 16, CLIP_MEAN, CLIP_STD),  # crop larger than the resized image: zero padding
              ("odd-ratio.png", 19, 16, IMAGENET_MEAN, IMAGENET_STD),
              ("rgb420.jpg", 18, 16, CLIP_MEAN, CLIP_STD), ("cmyk.jpg", 16, 16, CLIP_MEAN, CLIP_STD),
              ("lossy.webp", 16, 12, CLIP_MEAN, CLIP_STD), ("rgb16.png", 16, 16, CLIP_MEAN, CLIP_STD),
              ("gray16.png", 12, 12, CLIP_MEAN, CLIP_STD), ("palette8.bmp", 9, 8, CLIP_MEAN, CLIP_STD)]
    entries = []
    for i, (name, resize, crop, mean, std) in enumerate(cases):
        decoded = sources.get(name)
        rgb = decoded if decoded is not None else pil_rgb(OUT / name)
        pixels = torchvision_pixels(rgb, resize, crop, mean, std).astype(np.float32)
        entries.append({"file": name, "resize": resize, "crop": crop, "mean": mean, "std": std,
                        "pixels": save_raw(f"{Path(name).stem}.r{resize}c{crop}.{i}.f32", pixels)})
    return entries


def openood_golden():
    """OpenOOD's 256 -> 224 on a photo-sized JPEG. The 224x224 crop is stored as a PNG (the float
    tensor would be 600 KB); the normalisation of a crop is checked against torchvision here."""
    Image.fromarray(photo_like(320, 240)).save(OUT / "photo.jpg", quality=88)
    rgb = pil_rgb(OUT / "photo.jpg")
    crop = np.asarray(T.CenterCrop(224)(T.Resize(256, interpolation=T.InterpolationMode.BICUBIC)(Image.fromarray(rgb))))
    Image.fromarray(crop).save(OUT / "photo.openood-crop.png", optimize=True)
    pixels = torchvision_pixels(rgb, 256, 224, CLIP_MEAN, CLIP_STD)
    x = crop.transpose(2, 0, 1).astype(np.float32)
    m, s = np.float32(CLIP_MEAN)[:, None, None], np.float32(CLIP_STD)[:, None, None]
    assert np.array_equal(pixels, (x / np.float32(255) - m) / s), "ToTensor/Normalize formula differs"
    return {"file": "photo.jpg", "resize": 256, "crop": 224, "crop_png": "photo.openood-crop.png"}


def pil_refuses(data):
    try:
        Image.open(io.BytesIO(data)).convert("RGB")
    except (OSError, SyntaxError):
        return True
    return False


def truncation_checks():
    """Files the error tests cut to their first `keep` bytes: half the file, all but the EOI
    marker, or inside the headers. PIL must refuse each one; a PNG that only lacks its IEND
    chunk PIL still reads in full."""
    cases = []
    for name in ["rgb420.jpg", "interlaced.png", "lossy.webp", "progressive.jpg", "rgb24.bmp"]:
        cases.append((name, (OUT / name).stat().st_size // 2))
    for name in ["rgb420.jpg", "progressive.jpg", "gray.jpg"]:
        cases.append((name, (OUT / name).stat().st_size - 2))
    cases += [("rgb420.jpg", 100), ("interlaced.png", 20), ("interlaced.png", 40), ("lossless.webp", 24)]
    for name, keep in cases:
        if not pil_refuses((OUT / name).read_bytes()[:keep]):
            sys.exit(f"PIL accepted {name} cut to {keep} bytes; it cannot be a truncation test")
    no_iend = (OUT / "interlaced.png").read_bytes()[:-12]
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(no_iend)).convert("RGB")), pil_rgb(OUT / "interlaced.png"))
    return [{"file": name, "keep": keep} for name, keep in cases]


def main():
    assert PIL.__version__.startswith("9."), PIL.__version__
    assert torchvision.__version__.startswith("0.14"), torchvision.__version__
    OUT.mkdir(parents=True, exist_ok=True)
    for f in OUT.iterdir():
        f.unlink()
    sources = make_sources()
    check_pil_reads(OUT / "cmyk.jpg", "CMYK")
    manifest = {
        "generator": f"scripts/gen-image-goldens.py, PIL {PIL.__version__}, torchvision {torchvision.__version__}, "
                     f"torch {torch.__version__}",
        "decode": decode_goldens(sources),
        "resize": resize_goldens(),
        "preprocess": preprocess_goldens(sources),
        "openood": openood_golden(),
        "truncated": truncation_checks(),
        "png_without_iend": "interlaced.png",
    }
    (OUT / "goldens.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(f.stat().st_size for f in OUT.iterdir())
    print(f"wrote {len(list(OUT.iterdir()))} files, {total} bytes, to {OUT}")


if __name__ == "__main__":
    main()
