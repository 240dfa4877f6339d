"""Sending an Adaptive Card without copying it and without msrest walking it.

The SDK deep-copies every outgoing activity, card included, before sending it. Then the
connector client turns the activity into JSON with msrest, which goes over every value three
times (a "deserialize, just in case", a validation, the serialization), one Python call per
dict, list and string; only the last pass does anything for the SDK's models. An Adaptive Card
is a deep tree of them: for a question card that was 0.6 ms of CPU per reply, more than the
engine and the renderer together. The cards this bot sends are finished JSON data (the
renderers build them from str, int, bool, lists and dicts, which
`tests/views/test_render_limits.py` holds them to, and nothing changes them after): a
`FinishedCard` is shared by the copies and passed to the JSON encoder as it is, while msrest
still serializes the activity around it, in one pass. Any other attachment (a file consent
card, a card of plain dicts) goes through msrest whole, as before.
"""

from __future__ import annotations

from typing import Any

from msrest import Serializer
from msrest.serialization import Model


class FinishedCard(dict[str, Any]):
    """An Adaptive Card as a renderer finished it: plain JSON data that nothing changes."""

    def __deepcopy__(self, memo: dict[int, Any]) -> FinishedCard:
        return self


class CardPassingSerializer(Serializer):
    """msrest's serializer, except that a `FinishedCard` is passed on as it is, wherever it
    is (an activity's attachment, the activity of a new conversation's parameters), and that a
    model goes through one pass, not three."""

    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        # msrest's first two passes turn a dict into the model ("just in case") and check the
        # model's declared constraints. For a model the SDK built there is nothing to turn,
        # and the Bot Framework schema declares no constraints (a test checks it still does
        # not), so only the third, the serialization, is left to do.
        if isinstance(data, Model) and type(data).__name__ == data_type:
            return self._serialize(data, data_type, **kwargs)  # type: ignore[no-untyped-call]
        return super().body(data, data_type, **kwargs)  # type: ignore[no-untyped-call]

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
