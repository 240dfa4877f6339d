"""Where the bundled knowledge lives: `knowledge/` beside the package in a source checkout, or
`bot/bundled_knowledge/` inside an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def default_knowledge_dir() -> Path:
    checkout = _PACKAGE.parent / "knowledge"
    if checkout.is_dir():
        return checkout
    return _PACKAGE / "bundled_knowledge"
