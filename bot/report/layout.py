"""The report's page as a column of measured pieces, and how much of each piece there is room for.

The report is built at the most generous `Limits` first; while its pieces are taller than the
page, it is built again under the next, tighter limits, which take from the least important
parts first (progress, extra reasons, the model's description, then the length of every text).
The last limits bound every piece, so the page always fits; the drawing also never goes past
the bottom margin, whatever it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

Colour = tuple[int, int, int]

INK: Colour = (33, 37, 41)
SUBTLE: Colour = (96, 103, 112)
ACCENT: Colour = (31, 78, 121)
LINK: Colour = (20, 90, 170)
TRACK: Colour = (226, 230, 234)
MUTED_BAR: Colour = (140, 160, 185)

# A4 in millimetres, and the margin nothing is drawn in.
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
MARGIN = 15.0
WIDTH = PAGE_WIDTH - 2 * MARGIN
FOOTER_HEIGHT = 9.0
BOTTOM = PAGE_HEIGHT - MARGIN - FOOTER_HEIGHT - 2.0  # where the content above the footer ends


@dataclass(frozen=True)
class Style:
    size: float  # points
    leading: float  # millimetres from one line to the next
    bold: bool = False
    colour: Colour = INK


TITLE = Style(16, 7.5, bold=True, colour=ACCENT)
HEADLINE = Style(13, 6.0, bold=True)
HEADING = Style(10.5, 5.5, bold=True, colour=ACCENT)
BODY = Style(9, 4.0)
STRONG = Style(9, 4.0, bold=True)
QUOTE = Style(9, 4.0, colour=(52, 58, 64))
SMALL = Style(7.5, 3.3, colour=SUBTLE)
LABEL = Style(8.5, 4.0, bold=True, colour=ACCENT)


class Measure(Protocol):
    def lines(self, text: str, style: Style, width: float, most: int) -> tuple[str, ...]:
        """`text` wrapped to `width` in `style`: at most `most` lines, the last one ending in
        an ellipsis when the text goes on."""
        ...


@dataclass(frozen=True)
class Text:
    lines: tuple[str, ...]
    style: Style
    indent: float = 0.0
    link: str | None = None
    rule: bool = False  # the quote mark: a bar down the left of the lines
    right: str = ""  # drawn right-aligned on the first line (the header's date)
    bullet: str = ""  # drawn in the indent before the first line (a plan step's mark)

    @property
    def height(self) -> float:
        return len(self.lines) * self.style.leading


@dataclass(frozen=True)
class Gap:
    height: float


@dataclass(frozen=True)
class ScoreRow:
    name: str
    share: float  # 0-1
    percent: str
    leading: bool  # the recommended model's bar stands out
    height: float = 5.2


@dataclass(frozen=True)
class Labelled:
    """A label in a narrow left column beside its content (a plan horizon and its steps)."""

    label: Text
    body: tuple[Text, ...]
    width: float

    @property
    def height(self) -> float:
        return max(self.label.height, sum(part.height for part in self.body))


@dataclass(frozen=True)
class Rule:
    height: float = 3.0


Piece = Text | Gap | ScoreRow | Labelled | Rule


def height(pieces: list[Piece]) -> float:
    return sum(piece.height for piece in pieces)


@dataclass(frozen=True)
class Limits:
    """How much of each part the page shows: counts of items and lines of each text."""

    progress: bool = True
    progress_scores: bool = True
    reasons: int = 5
    description_lines: int = 4
    quote_lines: int = 6
    other_view_lines: int = 5
    stand_lines: int = 3
    tensions: int = 4
    advice_lines: int = 3
    horizons: int = 6
    steps_per_horizon: int = 5
    step_lines: int = 3
    models: int = 8
    source_lines: int = 2
    headline_lines: int = 2


def _levels() -> tuple[Limits, ...]:
    """Each step takes something more from the least important parts still there."""
    steps: tuple[dict[str, Any], ...] = (
        {"progress_scores": False},
        {"description_lines": 3},
        {"reasons": 4},
        {"quote_lines": 5},
        {"progress": False},
        {"reasons": 3},
        {"source_lines": 1},
        {"quote_lines": 4, "other_view_lines": 4},
        {"description_lines": 2},
        {"step_lines": 2, "advice_lines": 2},
        {"tensions": 3},
        {"reasons": 2},
        {"quote_lines": 3, "other_view_lines": 3},
        {"stand_lines": 2},
        {"steps_per_horizon": 3, "horizons": 3},
        {"tensions": 2},
        {"description_lines": 1},
        {"reasons": 1},
        {"advice_lines": 1, "step_lines": 1},
        {"other_view_lines": 2},
        {"tensions": 1, "steps_per_horizon": 2},
        {"stand_lines": 1, "quote_lines": 2},
        {"models": 5, "description_lines": 0, "headline_lines": 1},
    )
    levels = [Limits()]
    for step in steps:
        levels.append(replace(levels[-1], **step))
    return tuple(levels)


LEVELS = _levels()
