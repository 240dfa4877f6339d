"""Reading a PDF report back, as the tests on every platform check it."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(content: bytes) -> tuple[int, str]:
    """The number of pages and the text on them, whitespace made single spaces."""
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())
