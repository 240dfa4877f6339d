"""The forget-me cards on Teams: valid Adaptive Cards 1.5 whose buttons read back."""

from __future__ import annotations

from bot.forget import report
from bot.handlers.teams.forget import (
    CANCEL_KIND,
    CONFIRM_KIND,
    confirmation_message,
    forget_kind,
    forget_word,
    notice_message,
    report_message,
)
from bot.handlers.teams.submit import parse_submit
from storage.lifecycle import Forgotten
from tests.handlers.teams.card_checks import assert_valid_message, submits


def test_the_confirmation_card_has_a_destructive_button_and_a_way_out() -> None:
    message = confirmation_message()

    assert_valid_message(message)
    assert message.card is not None
    actions = submits(message.card)
    assert [(a["data"]["advisor"], a.get("style")) for a in actions] == [
        (CONFIRM_KIND, "destructive"),
        (CANCEL_KIND, None),
    ]
    assert [forget_kind(a["data"]) for a in actions] == [CONFIRM_KIND, CANCEL_KIND]
    assert all(parse_submit(a["data"]) is not None for a in actions)


def test_the_report_and_notices_are_valid_cards_without_buttons() -> None:
    forgotten = Forgotten(conversation={"phase": "done"}, assessments=1, deliveries=3)
    for message in (report_message(report(forgotten, "Teams")), notice_message("Nothing.")):
        assert_valid_message(message)
        assert message.card is not None
        assert not submits(message.card)
    shown = report(forgotten, "Teams")
    assert shown.deleted == (
        "the answers of your last diagnostic",
        "1 completed result",
        "3 records of your recent messages' delivery, kept to ignore duplicates",
    )


def test_only_our_forget_buttons_and_the_forget_word_count() -> None:
    assert forget_kind({"advisor": "command", "name": "start"}) is None
    assert forget_kind("forget") is None
    assert forget_word("Forget me!")
    assert forget_word("forget-me")
    assert not forget_word("forget about it")
