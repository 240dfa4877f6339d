"""Sending an Adaptive Card without copying it and without msrest walking it.

The SDK deep-copies every outgoing activity, card included, before sending it. Then the
connector client turns an outgoing activity into JSON with msrest, which goes over every
value three times (a "deserialize, just in case", a validation, the serialization), one Python
call per dict, list and string. An Adaptive Card is a deep tree of them: for a question card
that was 0.6 ms of CPU per reply, more than the engine and the renderer together. The cards
this bot sends are finished JSON data (the renderers build them from str, int, bool, lists and
dicts, which `tests/views/test_render_limits.py` holds them to, and nothing changes them
after): a `FinishedCard` is shared by the copies and passed to the JSON encoder as it is, while
msrest still serializes the activity around it. Any other attachment (a file consent card, a
card of plain dicts) goes through msrest whole, as before.
"""

from __future__ import annotations

from typing import Any

from msrest import Serializer


class FinishedCard(dict[str, Any]):
    """An Adaptive Card as a renderer finished it: plain JSON data that nothing changes."""

    def __deepcopy__(self, memo: dict[int, Any]) -> FinishedCard:
        return self


class CardPassingSerializer(Serializer):
    """msrest's serializer, except that a `FinishedCard` is passed on as it is, wherever it
    is (an activity's attachment, the activity of a new conversation's parameters)."""

    def serialize_object(self, attr: Any, **kwargs: Any) -> Any:
        if isinstance(attr, FinishedCard):
            return attr
        return super().serialize_object(attr, **kwargs)  # type: ignore[no-untyped-call]


def pass_cards_through(client: Any) -> Any:
    """Have `client` (a botframework `ConnectorClient`) send its cards with
    `CardPassingSerializer`; the other operations keep msrest's."""
    msrest = client.conversations._serialize
    serializer = CardPassingSerializer(msrest.dependencies)  # type: ignore[no-untyped-call]
    serializer.client_side_validation = msrest.client_side_validation
    client.conversations._serialize = serializer
    return client
