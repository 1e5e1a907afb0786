"""Safe decoding of photos: every input becomes an upright RGB image or a one-line ItemError."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from georeasoner.errors import ItemError
from georeasoner.images import decode_image, decode_many, to_rgb
from georeasoner.items import Item
from tests.fixtures_images import encoded, jpeg_bytes, oriented_png_bytes, png_header_only


def test_missing_file_reports_file_not_found(tmp_path):
    missing = tmp_path / "nowhere.jpg"
    with pytest.raises(ItemError, match=f"^file not found: {missing}$"):
        decode_image(str(missing))


def test_empty_file_reports_empty_file(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ItemError, match="^empty file: "):
        decode_image(str(empty))


def test_text_file_reports_not_an_image(tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("these are not pixels\n")
    with pytest.raises(ItemError, match=r"^not an image \(cannot identify image file\)$"):
        decode_image(str(text))


def test_truncated_jpeg_reports_truncated_image_file(tmp_path):
    cut = tmp_path / "cut.jpg"
    whole = jpeg_bytes((256, 256))
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ItemError, match="^truncated image file$"):
        decode_image(str(cut))


def test_photo_without_path_or_data_reports_no_image():
    with pytest.raises(ItemError, match="^no image"):
        decode_image(Item(id=3))


def test_size_limit_is_checked_from_the_header_before_decoding():
    header_only = png_header_only(5000, 4000)
    with pytest.raises(ItemError, match="^image too large: 5000x4000 pixels exceeds the limit of 1,000,000 pixels$"):
        decode_image(header_only, max_pixels=1_000_000)


def test_pillow_decompression_bomb_warning_is_an_error():
    over_pillow_limit = png_header_only(10_000, 10_000)  # above Image.MAX_IMAGE_PIXELS, below twice it
    with pytest.raises(ItemError, match="^image too large: 100,000,000 pixels exceeds the limit of"):
        decode_image(over_pillow_limit, max_pixels=200_000_000)


def test_decompression_bomb_is_rejected_with_default_limit():
    with pytest.raises(ItemError, match="^image too large: "):
        decode_image(png_header_only(30_000, 30_000))


@pytest.mark.parametrize(
    "mode", ["CMYK", "P", "L", "1", "RGBA", "LA", "I;16", "I", "F"], ids=lambda mode: f"mode {mode}"
)
def test_every_colour_mode_decodes_to_rgb(mode):
    image = Image.linear_gradient("L").resize((16, 16)).convert(mode)
    fmt = "TIFF" if mode in ("CMYK", "I", "F", "LA") else "PNG"
    stored = encoded(image, fmt)
    assert Image.open(io.BytesIO(stored)).mode == mode
    decoded = decode_image(stored)
    assert decoded.mode == "RGB"
    assert decoded.size == (16, 16)


def test_transparent_pixels_are_composited_on_white():
    image = Image.new("RGBA", (4, 4), (255, 0, 0, 255))
    image.putpixel((0, 0), (0, 0, 0, 0))
    decoded = decode_image(encoded(image, "PNG"))
    assert decoded.getpixel((0, 0)) == (255, 255, 255)
    assert decoded.getpixel((3, 3)) == (255, 0, 0)


def test_palette_transparency_is_composited_on_white():
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 0, 0, 255])
    image.putpixel((0, 0), 0)
    decoded = decode_image(encoded(image, "PNG", transparency=0))
    assert decoded.getpixel((0, 0)) == (255, 255, 255)
    assert decoded.getpixel((1, 1)) == (0, 0, 255)


def test_palette_alpha_image_is_composited_on_white():
    image = Image.new("PA", (2, 1))
    image.putpalette([0, 128, 0])
    image.putpixel((0, 0), (0, 0))
    image.putpixel((1, 0), (0, 255))
    rgb = to_rgb(image)
    assert [rgb.getpixel((0, 0)), rgb.getpixel((1, 0))] == [(255, 255, 255), (0, 128, 0)]


def test_sixteen_bit_grayscale_is_scaled_to_eight_bits():
    pixels = np.array([[0, 32896, 65535]], dtype=np.uint16)
    decoded = decode_image(encoded(Image.fromarray(pixels), "PNG"))
    assert [decoded.getpixel((x, 0)) for x in range(3)] == [(0, 0, 0), (128, 128, 128), (255, 255, 255)]


def test_cmyk_jpeg_decodes_to_its_rgb_colour():
    cyan = Image.new("CMYK", (8, 8), (255, 0, 0, 0))
    red, green, blue = decode_image(encoded(cyan, "JPEG", quality=100)).getpixel((4, 4))
    assert red < 30 and green > 225 and blue > 225


def test_exif_orientation_is_applied():
    decoded = decode_image(oriented_png_bytes(6))  # stored rotated: the camera was turned 90 degrees
    assert decoded.size == (20, 40)
    assert decoded.getpixel((19, 0)) == (255, 0, 0)
    assert decoded.getpixel((0, 0)) == (255, 255, 255)


def test_max_side_bounds_the_longer_side_of_a_big_jpeg():
    decoded = decode_image(jpeg_bytes((1600, 1200)), max_side=200)
    assert max(decoded.size) == 200
    assert decoded.size == (200, 150)


def test_decode_many_keeps_order_and_puts_errors_in_place(tmp_path):
    good = tmp_path / "good.jpg"
    good.write_bytes(jpeg_bytes((20, 10)))
    results = decode_many([str(good), str(tmp_path / "gone.jpg"), jpeg_bytes((8, 6))], max_workers=2)
    assert results[0].size == (20, 10)
    assert isinstance(results[1], ItemError) and str(results[1]).startswith("file not found")
    assert results[2].size == (8, 6)
