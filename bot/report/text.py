"""Untrusted text made safe to draw with the report's font.

Every string in a summary comes from the knowledge files or from what a person typed. Before
it reaches the PDF it is cleaned here: control characters become spaces, invisible formatting
characters (bidi controls, zero-width joiners, variation selectors) are dropped, long runs of
combining marks are cut (they would stack above the line), characters the font has no glyph
for become one replacement mark each, whitespace is collapsed, and the whole is cut to a
length with an ellipsis. The result never makes the PDF library raise and never carries more
than the layout can wrap.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

FONTS = Path(__file__).parent / "fonts"
REGULAR = FONTS / "DejaVuSansCondensed.ttf"
BOLD = FONTS / "DejaVuSansCondensed-Bold.ttf"

ELLIPSIS = "…"
# Shown for a character neither font can draw (CJK, emoji, private use): a white square.
MISSING = "□"
# Combining marks kept after one base character; more only pile up above the line.
MARKS_PER_CHARACTER = 2
_SPACES = re.compile(r"\s+")
# What a cut line should not end with before its ellipsis (spaces, punctuation, dashes).
DANGLING = " ,;:.-\u2013\u2014"


@cache
def drawable() -> frozenset[int]:
    """The code points both weights of the font have a glyph for."""
    regular = _code_points(REGULAR)
    return regular & _code_points(BOLD)


def _code_points(path: Path) -> frozenset[int]:
    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def clean(text: str | None, limit: int = 2000) -> str:
    """`text` as one line the font can draw, at most `limit` characters (an ellipsis ends a
    cut one); "" for None."""
    if not text:
        return ""
    glyphs = drawable()
    kept: list[str] = []
    marks = 0
    # Characters beyond twice the limit cannot survive the cut; not even looked at.
    for character in text[: limit * 2 + 1]:
        kind = unicodedata.category(character)
        if kind in ("Cc", "Zl", "Zp") or character.isspace():
            kept.append(" ")
        elif kind == "Cf" or _is_variation_selector(character):
            continue
        elif kind in ("Mn", "Me"):
            marks += 1
            if marks <= MARKS_PER_CHARACTER and ord(character) in glyphs and kept:
                kept.append(character)
            continue
        elif kind in ("Cs", "Co", "Cn") or ord(character) not in glyphs:
            kept.append(MISSING)
        else:
            kept.append(character)
        marks = 0
    return shorten(_SPACES.sub(" ", "".join(kept)).strip(), limit)


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word when one ends near the cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip(DANGLING) + ELLIPSIS


def _is_variation_selector(character: str) -> bool:
    point = ord(character)
    return 0xFE00 <= point <= 0xFE0F or 0xE0100 <= point <= 0xE01EF
