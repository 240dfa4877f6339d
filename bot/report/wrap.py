"""Text wrapped to a width from the embedded font's own glyph widths.

fpdf2's `multi_cell(dry_run=True)` measures a line again for every character it adds, which
takes seconds on a page of long texts measured under several limits; this greedy wrap adds
widths once per character, stops after the lines it may show, and remembers what it wrapped
for the other limits of the same page. Spaces break lines; a word wider than the line (a URL,
2,000 characters without a space) is broken between characters."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.fonts import TTFFont

from bot.report.layout import Style
from bot.report.text import DANGLING, ELLIPSIS

# No limit shows more lines of one text than this.
MOST_LINES = 12
# Kept off the right edge: the widths are summed here, and fpdf2 sums them again to draw.
SLACK = 0.05


class Wrapper:
    def __init__(self, pdf: FPDF, family: str) -> None:
        self._pdf = pdf
        self._family = family
        self._wrapped: dict[tuple[str, Style, float], tuple[list[str], bool]] = {}

    def lines(self, text: str, style: Style, width: float, most: int) -> tuple[str, ...]:
        """`text` wrapped to `width` millimetres: at most `most` lines, the last one ending in
        an ellipsis when the text goes on."""
        key = (text, style, width)
        if key not in self._wrapped:
            self._wrapped[key] = self._wrap(text, style, width)
        lines, more = self._wrapped[key]
        if len(lines) <= most and not more:
            return tuple(lines)
        kept = lines[:most]
        if kept:
            kept[-1] = self._ellipsized(kept[-1], style, width)
        return tuple(kept)

    def width(self, text: str, style: Style) -> float:
        """Millimetres."""
        widths, scale = self._widths(style)
        return sum(widths[ord(character)] for character in text) * scale

    def _widths(self, style: Style) -> tuple[dict[int, float], float]:
        self._pdf.set_font(self._family, "B" if style.bold else "", style.size)
        font = self._pdf.current_font
        assert isinstance(font, TTFFont)  # the report embeds its font, never a core one
        # Glyph widths are in thousandths of the size in points; the page is in millimetres.
        return font.cw, style.size * 0.001 / self._pdf.k

    def _wrap(self, text: str, style: Style, width: float) -> tuple[list[str], bool]:
        """Up to MOST_LINES lines, and whether the text goes on after them."""
        widths, scale = self._widths(style)
        room = (width - SLACK) / scale
        space = widths[ord(" ")]
        lines: list[str] = []
        line, used = "", 0.0
        for word in text.split(" "):
            size = sum(widths[ord(character)] for character in word)
            if line and used + space + size <= room:
                line, used = f"{line} {word}", used + space + size
                continue
            if line:
                lines.append(line)
            while size > room:  # a word wider than the line: broken between characters
                head, head_size = _fitting(word, widths, room)
                lines.append(head)
                word, size = word[len(head) :], size - head_size
                if len(lines) > MOST_LINES:
                    break
            if len(lines) > MOST_LINES:
                return lines[:MOST_LINES], True
            line, used = word, size
        if line:
            lines.append(line)
        return lines[:MOST_LINES], len(lines) > MOST_LINES

    def _ellipsized(self, line: str, style: Style, width: float) -> str:
        room = width - SLACK - self.width(ELLIPSIS, style)
        widths, scale = self._widths(style)
        head, _ = _fitting(line, widths, room / scale)
        return head.rstrip(DANGLING) + ELLIPSIS


def _fitting(word: str, widths: dict[int, float], room: float) -> tuple[str, float]:
    """The longest start of `word` no wider than `room` (at least one character), and its width."""
    used = 0.0
    for n, character in enumerate(word):
        size = widths[ord(character)]
        if used + size > room and n:
            return word[:n], used
        used += size
    return word, used
