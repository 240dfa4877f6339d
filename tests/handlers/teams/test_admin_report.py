"""The admin's answers in Teams: markdown, every error verbatim in a code block that nothing in
the errors can close early, and a bounded size."""

from __future__ import annotations

from bot.admin.service import AdminReport
from bot.handlers.teams.admin import MAX_ERROR_CHARS, admin_word, report_activity


def test_errors_are_shown_verbatim_in_a_fence_longer_than_any_backticks_inside() -> None:
    errors = ("a.yml:1: label: ```` is not allowed", "b.yml:2: unknown model 'x'")
    activity = report_activity(
        AdminReport(False, "Not reloaded.", ("Fix them.",), "Problems:", errors)
    )

    assert activity.text_format == "markdown"
    assert "`````\na.yml:1: label: ```` is not allowed\nb.yml:2: unknown model 'x'\n`````" in (
        activity.text
    )
    assert activity.text.startswith("⚠️ **Not reloaded.**")


def test_a_flood_of_errors_is_bounded_and_counted() -> None:
    errors = tuple(f"q.yml:{n}: " + "x" * 90 for n in range(1000))

    text = report_activity(AdminReport(False, "Not reloaded.", (), "Problems:", errors)).text

    assert len(text) < MAX_ERROR_CHARS + 1000
    assert "more: `advisor knowledge check` lists them all." in text


def test_admin_words() -> None:
    assert admin_word(" Reload. ") == "reload"
    assert admin_word("knowledge?") == "knowledge"
    assert admin_word("reload the knowledge") is None
    assert admin_word("") is None


def test_a_report_without_errors_is_markdown_without_a_code_block() -> None:
    activity = report_activity(AdminReport(True, "Reloaded.", ("12 models.",), "Problems:", ()))

    assert activity.text_format == "markdown"
    assert activity.text == "✅ **Reloaded.**\n\n12 models."
