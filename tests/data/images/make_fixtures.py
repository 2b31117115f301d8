#!/usr/bin/python3
"""Writes the image fixtures of tests/core/image with Pillow and numpy (Debian's python3-pil,
python3-numpy). Only the committed outputs are used by the tests; rerun this script to
regenerate them (the outputs depend on the Pillow and libjpeg versions: see VERSIONS.txt).

What it writes:
  dec_*.png / dec_*.jpg     decoder inputs in every PNG colour type / bit depth and several JPEG
                            flavours; dec_*.rgb is Pillow's Image.open(f).convert("RGB") of each
  src_*.png                 RGB sources for the resize tests
  rs_<src>_<w>x<h>_<filter>.png   Pillow's src.resize((w, h), filter), stored losslessly
  proc_<case>.json          preprocessor_config.json variants
  proc_<case>_<src>.f32     pixel_values [3, H, W] float32 (little endian) of ViTImageProcessor,
                            computed with the exact numpy steps of transformers (resize through
                            PIL, astype(float64) * scale -> float32, (x - mean) / std in float32)
  bad_*                     files the decoder must refuse

The .rgb format: b"RGB8", uint32 width, uint32 height (little endian), then height * width * 3
bytes.
"""
import io
import json
import os
import struct
import zlib

import numpy as np
import PIL
import PIL.features
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240611)


def path(name):
    return os.path.join(HERE, name)


def write_rgb(name, img):
    arr = np.asarray(img.convert("RGB"), dtype=np.uint8)
    h, w, _ = arr.shape
    with open(path(name), "wb") as f:
        f.write(b"RGB8" + struct.pack("<II", w, h) + arr.tobytes())


# -- a minimal PNG writer for what Pillow cannot write (16-bit colour, 2-bit grey, Adam7) -------

def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_bytes(width, height, color_type, depth, rows_bytes, interlace=0):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, interlace)
    raw = b"".join(b"\x00" + r for r in rows_bytes)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) +
            chunk(b"IEND", b""))


def pack_samples(arr, depth):
    """arr: [H, W, C] integer samples -> list of packed row bytes."""
    h = arr.shape[0]
    rows = []
    for y in range(h):
        flat = arr[y].reshape(-1)
        if depth == 16:
            rows.append(flat.astype(">u2").tobytes())
        elif depth == 8:
            rows.append(flat.astype(np.uint8).tobytes())
        else:
            per = 8 // depth
            out = bytearray()
            for i in range(0, len(flat), per):
                byte = 0
                for j in range(per):
                    v = int(flat[i + j]) if i + j < len(flat) else 0
                    byte |= v << (8 - depth * (j + 1))
                out.append(byte)
            rows.append(bytes(out))
    return rows


def adam7_png(arr, color_type, depth):
    h, w = arr.shape[:2]
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
              (0, 1, 1, 2)]
    raw = b""
    for x0, y0, dx, dy in passes:
        sub = arr[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        raw += b"".join(b"\x00" + r for r in pack_samples(sub, depth))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) +
            chunk(b"IEND", b""))


def save_bytes(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


def decoder_fixtures():
    w, h = 37, 23
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, (h, w, 1), dtype=np.uint8)
    grey = rng.integers(0, 256, (h, w), dtype=np.uint8)

    Image.fromarray(rgb, "RGB").save(path("dec_rgb8.png"))
    Image.fromarray(np.concatenate([rgb, alpha], 2), "RGBA").save(path("dec_rgba8.png"))
    Image.fromarray(grey, "L").save(path("dec_grey8.png"))
    Image.fromarray(np.stack([grey, alpha[..., 0]], 2), "LA").save(path("dec_greyalpha8.png"))
    pal = Image.fromarray(rgb, "RGB").quantize(colors=23)
    pal.save(path("dec_palette8.png"))
    pal4 = Image.fromarray(rgb, "RGB").quantize(colors=11)
    pal4.save(path("dec_palette4.png"), bits=4)
    tpal = Image.fromarray(rgb, "RGB").quantize(colors=9)
    tpal.info["transparency"] = 3
    tpal.save(path("dec_palette_trns.png"), transparency=3)
    Image.fromarray(grey > 127).save(path("dec_grey1.png"))
    # 16-bit greyscale: Pillow clips it to 255 in convert("RGB"); keep some values low.
    g16 = rng.integers(0, 600, (h, w), dtype=np.uint16)
    g16[::3] = rng.integers(0, 65535, (len(g16[::3]), w), dtype=np.uint16)
    save_bytes("dec_grey16.png", png_bytes(w, h, 0, 16, pack_samples(g16[..., None], 16)))
    rgb16 = rng.integers(0, 65536, (h, w, 3), dtype=np.uint16)
    save_bytes("dec_rgb16.png", png_bytes(w, h, 2, 16, pack_samples(rgb16, 16)))
    rgba16 = rng.integers(0, 65536, (h, w, 4), dtype=np.uint16)
    save_bytes("dec_rgba16.png", png_bytes(w, h, 6, 16, pack_samples(rgba16, 16)))
    la16 = rng.integers(0, 65536, (h, w, 2), dtype=np.uint16)
    save_bytes("dec_greyalpha16.png", png_bytes(w, h, 4, 16, pack_samples(la16, 16)))
    g2 = rng.integers(0, 4, (h, w, 1), dtype=np.uint8)
    save_bytes("dec_grey2.png", png_bytes(w, h, 0, 2, pack_samples(g2, 2)))
    save_bytes("dec_interlaced.png", adam7_png(rgb, 2, 8))

    # Fashion-MNIST style: a 28x28 8-bit greyscale PNG with a dark background.
    fm = np.zeros((28, 28), dtype=np.uint8)
    yy, xx = np.mgrid[0:28, 0:28]
    blob = ((yy - 14) ** 2 / 100 + (xx - 14) ** 2 / 40) < 1.0
    fm[blob] = rng.integers(90, 250, blob.sum(), dtype=np.uint8)
    Image.fromarray(fm, "L").save(path("dec_fashion28.png"))

    smooth = smooth_rgb(64, 40)
    Image.fromarray(smooth).save(path("dec_baseline.jpg"), quality=90)
    Image.fromarray(smooth).save(path("dec_progressive.jpg"), quality=85, progressive=True)
    Image.fromarray(smooth).save(path("dec_444.jpg"), quality=95, subsampling=0)
    Image.fromarray(smooth[..., 1]).save(path("dec_grey.jpg"), quality=90)
    Image.fromarray(smooth).convert("CMYK").save(path("bad_cmyk.jpg"), quality=90)

    for name in sorted(os.listdir(HERE)):
        if name.startswith("dec_") and name.endswith((".png", ".jpg")):
            write_rgb(name.rsplit(".", 1)[0] + ".rgb", Image.open(path(name)))


def smooth_rgb(w, h):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    g = 255 * xx / max(w - 1, 1)
    b = 255 * yy / max(h - 1, 1)
    # Noise in 3x3 blocks keeps the PNGs small while still giving sharp steps to resample.
    noise = rng.normal(0, 6, (h // 3 + 1, w // 3 + 1, 3)).repeat(3, 0).repeat(3, 1)[:h, :w]
    img = np.stack([r, g, b], 2) + noise
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def bad_fixtures():
    save_bytes("bad_text.png", b"This is a text file that was renamed to .png.\n" * 3)
    save_bytes("bad_empty.png", b"")
    save_bytes("bad_gif.png", b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 20)
    good = open(path("dec_rgb8.png"), "rb").read()
    save_bytes("bad_truncated.png", good[: len(good) // 2])
    bad_crc = bytearray(good)
    bad_crc[29] ^= 0xFF  # inside the IHDR CRC
    save_bytes("bad_crc.png", bytes(bad_crc))
    # Headers that declare huge images, with almost no data behind them.
    save_bytes("bad_huge.png", png_bytes(100000, 100000, 2, 8, [b"\x00\x00\x00"]))
    save_bytes("bad_huge_mp.png", png_bytes(20000, 20000, 0, 8, [b"\x00"]))
    jpg = bytearray(open(path("dec_baseline.jpg"), "rb").read())
    save_bytes("bad_truncated.jpg", bytes(jpg[: len(jpg) * 6 // 10]))
    i = 2
    while i < len(jpg):
        marker, length = jpg[i + 1], struct.unpack(">H", jpg[i + 2:i + 4])[0]
        if marker == 0xC0:
            jpg[i + 5:i + 9] = struct.pack(">HH", 60000, 60000)
            break
        i += 2 + length
    save_bytes("bad_huge.jpg", bytes(jpg))
    save_bytes("bad_garbage.jpg", b"\xff\xd8\xff" + bytes(rng.integers(0, 256, 200, dtype=np.uint8)))


FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS,
           "box": Image.BOX, "hamming": Image.HAMMING}


def resize_fixtures():
    sources = {
        "37x23": rng.integers(0, 256, (23, 37, 3), dtype=np.uint8),
        "300x200": smooth_rgb(300, 200),
        "500x333": smooth_rgb(500, 333),
    }
    for name, arr in sources.items():
        Image.fromarray(arr, "RGB").save(path(f"src_{name}.png"), optimize=True)
    fashion = Image.open(path("dec_fashion28.png")).convert("RGB")
    fashion.save(path("src_28x28.png"))
    cases = [
        ("37x23", 224, 224, "bilinear"), ("300x200", 224, 224, "bilinear"),
        ("28x28", 224, 224, "bilinear"), ("500x333", 64, 48, "bilinear"),
        ("37x23", 37, 50, "bilinear"), ("37x23", 80, 23, "bilinear"),
        ("300x200", 97, 61, "bicubic"), ("300x200", 97, 61, "lanczos"),
        ("300x200", 97, 61, "box"), ("300x200", 97, 61, "hamming"),
        ("37x23", 101, 59, "bicubic"), ("37x23", 101, 59, "lanczos"),
    ]
    for src, w, h, flt in cases:
        img = Image.open(path(f"src_{src}.png")).convert("RGB")
        img.resize((w, h), resample=FILTERS[flt]).save(path(f"rs_{src}_{w}x{h}_{flt}.png"),
                                                        optimize=True)


def hf_center_crop(arr, ch, cw):
    """transformers.image_transforms.center_crop on an HWC array."""
    h, w = arr.shape[:2]
    top, left = (h - ch) // 2, (w - cw) // 2
    if top >= 0 and top + ch <= h and left >= 0 and left + cw <= w:
        return arr[top:top + ch, left:left + cw]
    nh, nw = max(ch, h), max(cw, w)
    out = np.zeros((nh, nw) + arr.shape[2:], dtype=arr.dtype)
    tp, lp = -(-(nh - h) // 2), -(-(nw - w) // 2)
    out[tp:tp + h, lp:lp + w] = arr
    top, left = top + tp, left + lp
    return out[max(0, top):min(nh, top + ch), max(0, left):min(nw, left + cw)]


def hf_vit_preprocess(img, cfg):
    """ViTImageProcessor.preprocess step by step, as transformers' numpy code does it."""
    img = img.convert("RGB")
    size = cfg.get("size", {"height": 224, "width": 224})
    if isinstance(size, int):
        size = {"height": size, "width": size}
    arr = np.array(img)
    if cfg.get("do_resize", True):
        pil = Image.fromarray(arr)
        arr = np.array(pil.resize((size["width"], size["height"]), resample=cfg.get("resample", 2)))
    if cfg.get("do_center_crop", False):
        crop = cfg["crop_size"]
        arr = hf_center_crop(arr, crop["height"], crop["width"])
    if cfg.get("do_rescale", True):
        arr = (arr.astype(np.float64) * cfg.get("rescale_factor", 1 / 255)).astype(np.float32)
    if cfg.get("do_normalize", True):
        if not np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype(np.float32)
        mean = np.array(cfg.get("image_mean", [0.5] * 3), dtype=arr.dtype)
        std = np.array(cfg.get("image_std", [0.5] * 3), dtype=arr.dtype)
        arr = (arr - mean) / std
    return np.ascontiguousarray(arr.transpose(2, 0, 1).astype(np.float32))


PROCESSORS = {
    "vit_base": {"do_normalize": True, "do_resize": True, "image_mean": [0.5, 0.5, 0.5],
                 "image_processor_type": "ViTImageProcessor", "image_std": [0.5, 0.5, 0.5],
                 "resample": 2, "rescale_factor": 0.00392156862745098,
                 "size": {"height": 224, "width": 224}},
    "legacy32": {"do_normalize": True, "do_resize": True,
                 "feature_extractor_type": "ViTFeatureExtractor",
                 "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
                 "resample": 2, "size": 32},
    "nonsquare": {"do_resize": True, "size": {"height": 48, "width": 64}, "resample": 2,
                  "do_rescale": True, "rescale_factor": 0.00392156862745098,
                  "do_normalize": True, "image_mean": [0.5, 0.4, 0.3], "image_std": [0.2, 0.3, 0.4],
                  "image_processor_type": "ViTImageProcessor"},
    "deit_crop": {"do_resize": True, "size": {"height": 73, "width": 73}, "resample": 3,
                  "do_center_crop": True, "crop_size": {"height": 64, "width": 64},
                  "do_rescale": True, "rescale_factor": 0.00392156862745098,
                  "do_normalize": True, "image_mean": [0.485, 0.456, 0.406],
                  "image_std": [0.229, 0.224, 0.225],
                  "image_processor_type": "DeiTImageProcessor"},
    "no_norm": {"do_resize": True, "size": {"height": 40, "width": 30}, "resample": 2,
                "do_rescale": True, "rescale_factor": 0.00392156862745098, "do_normalize": False},
}
PROC_CASES = [("legacy32", "28x28"), ("legacy32", "500x333"), ("nonsquare", "500x333"),
              ("nonsquare", "37x23"), ("deit_crop", "300x200"), ("no_norm", "300x200")]


def processor_fixtures():
    for name, cfg in PROCESSORS.items():
        with open(path(f"proc_{name}.json"), "w") as f:
            json.dump(cfg, f, indent=2)
            f.write("\n")
    for name, src in PROC_CASES:
        pv = hf_vit_preprocess(Image.open(path(f"src_{src}.png")), PROCESSORS[name])
        pv.astype("<f4").tofile(path(f"proc_{name}_{src}.f32"))


if __name__ == "__main__":
    decoder_fixtures()
    bad_fixtures()
    resize_fixtures()
    processor_fixtures()
    with open(path("VERSIONS.txt"), "w") as f:
        f.write(f"Pillow {PIL.__version__}, numpy {np.__version__}, "
                f"libjpeg {PIL.features.version('jpg')}\n")
