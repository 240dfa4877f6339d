"""Reading a PDF report back, as the tests on every platform check it: its text (pypdf) and
its first page drawn (pypdfium2)."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image
from pypdf import PdfReader


def pdf_text(content: bytes) -> tuple[int, str]:
    """The number of pages and the text on them, whitespace made single spaces."""
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def picture(pdf: bytes) -> Image.Image:
    """The first page drawn at 72 dpi, in grey."""
    page = pdfium.PdfDocument(pdf)[0]
    drawn: Image.Image = page.render(scale=1).to_pil()
    return drawn.convert("L")


def inked(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """How many pixels in `box` (left, top, right, bottom) are not white."""
    histogram = image.crop(box).histogram()
    return sum(histogram[:250])


def ink_by_half(pdf: bytes) -> tuple[int, int]:
    """Pixels drawn in the upper and the lower half of the first page: a blank or cut-off
    page has (next to) none in one of them."""
    image = picture(pdf)
    width, height = image.size
    return inked(image, (0, 0, width, height // 2)), inked(image, (0, height // 2, width, height))
