"""Fitting a document into a platform's size limits: written once, for every platform.

The renderer supplies the test (`within`: do these chunks, drawn, meet my limits?) and the
note to show after a cut; the choice of what to drop lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.views.document import PINNED, Chunk


def fit(
    chunks: Sequence[Chunk], within: Callable[[Sequence[Chunk]], bool], notice: Chunk
) -> list[Chunk]:
    """The chunks to draw: all of them when they fit; otherwise the least important are dropped
    until the rest fits, then smaller ones that now fit again come back (a long chunk gone can
    leave room for a short, less important one), and `notice` says content was cut. Pinned
    chunks always stay; the renderer deals with pinned content alone being too large."""
    kept = set(range(len(chunks)))
    droppable = [i for i, chunk in enumerate(chunks) if chunk.priority < PINNED]
    for index in sorted(droppable, key=lambda i: (chunks[i].priority, -i)):
        if within(_assemble(chunks, kept, notice)):
            break
        kept -= {index, *_continuations(chunks, index)}
    for index in sorted(set(droppable) - kept, key=lambda i: (-chunks[i].priority, i)):
        orphan = chunks[index].follows and index - 1 not in kept
        if not orphan and within(_assemble(chunks, kept | {index}, notice)):
            kept.add(index)
    return _assemble(chunks, kept, notice)


def _continuations(chunks: Sequence[Chunk], index: int) -> list[int]:
    following = index + 1
    while following < len(chunks) and chunks[following].follows:
        following += 1
    return list(range(index + 1, following))


def _assemble(chunks: Sequence[Chunk], kept: set[int], notice: Chunk) -> list[Chunk]:
    """The kept chunks in order; after a cut, the notice goes before the pinned tail (the
    buttons), so the reader sees that content is missing and still has every button."""
    parts = [chunks[i] for i in sorted(kept)]
    if any(i not in kept and not chunk.optional for i, chunk in enumerate(chunks)):
        tail = len(parts)
        while tail > 0 and parts[tail - 1].priority >= PINNED:
            tail -= 1
        parts.insert(tail, notice)
    return parts
