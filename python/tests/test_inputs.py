"""Every kind of image Clip.encode_images accepts, and the errors for what it does not."""
import numpy as np
import pytest

import ants


def decoded(path):
    """The file's RGB pixels as the library decodes them (PIL agrees on these PNGs)."""
    PIL = pytest.importorskip("PIL.Image")
    return np.asarray(PIL.open(path).convert("RGB"))


def cosine(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_preprocessed_tensors_match_the_reference(clip, tiny_dir, expected):
    ims = [im for im in expected["images"] if im.get("pixels_file")]
    pixels = np.stack([np.fromfile(tiny_dir / im["pixels_file"], np.float32).reshape(im["pixels_shape"][-3:])
                       for im in ims])
    assert pixels.flags["C_CONTIGUOUS"]
    emb = clip.encode_images(pixels, batch=3)
    assert emb.shape == (len(ims), clip.info["embed_dim"])
    for row, im in zip(emb, ims):
        assert cosine(row, im["embedding"]) >= expected["tolerance"]["pixels_cosine_min"], im["file"]
    strided = np.asfortranarray(pixels)  # not C-contiguous: copied, same result
    assert np.array_equal(clip.encode_images(strided), emb)


def test_arrays_and_pil_images_equal_their_files(clip, tiny_dir):
    files = [str(tiny_dir / "images" / n) for n in ("exact.png", "gradient.png", "shapes.png")]
    want = clip.encode_images(files)
    arrays = [decoded(f) for f in files]
    assert np.array_equal(clip.encode_images(arrays), want)
    PIL = pytest.importorskip("PIL.Image")
    assert np.array_equal(clip.encode_images([PIL.open(f) for f in files]), want)
    assert np.array_equal(clip.encode_images(PIL.open(files[0])), want[:1])
    same_size = [a for a in arrays if a.shape == arrays[0].shape]
    assert np.array_equal(clip.encode_images(np.stack(same_size)), want[:len(same_size)])
    flipped = arrays[0][:, ::-1]  # a non-contiguous view: copied
    assert np.array_equal(clip.encode_images([flipped]), clip.encode_images([np.ascontiguousarray(flipped)]))


def test_wrong_dtype_or_shape_is_a_value_error_naming_the_expected_shape(clip):
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        clip.encode_images([np.zeros((8, 8, 3), np.float32)])
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        clip.encode_images([np.zeros((8, 8), np.uint8)])
    with pytest.raises(ValueError, match=r"\(N, 3, "):
        clip.encode_images(np.zeros((2, 3, 5, 5), np.float32))
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        clip.encode_images(np.zeros((2, 2, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        clip.encode_images([np.zeros((0, 8, 3), np.uint8)])
    with pytest.raises(ValueError, match="list of images"):
        clip.encode_images("one/path.png")


def test_progress_counts_images(clip, tiny_dir):
    seen = []
    files = [str(tiny_dir / "images" / "exact.png")] * 5
    clip.encode_images(files, batch=2, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (5, 5)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_max_pixels_refuses_larger_images(clip, tiny_dir):
    f = str(tiny_dir / "images" / "gradient.png")
    h, w = decoded(f).shape[:2]
    with pytest.raises(ants.Error, match=f"limit {h * w - 1}"):
        clip.encode_images([f], max_pixels=h * w - 1)
    assert clip.encode_images([f], max_pixels=h * w).shape[0] == 1
