"""The admin's answers in Teams: markdown, every error verbatim in a code block that nothing in
the errors can close early, and a bounded size."""

from __future__ import annotations

from bot.admin.service import AdminReport
from bot.handlers.teams.admin import admin_word
from bot.handlers.teams.render import markdown_text
from bot.views.admin import MAX_PROBLEM_CHARS, report
from bot.views.document import say


def answer(ok: bool, facts: tuple[str, ...], errors: tuple[str, ...]) -> str:
    title = "Reloaded." if ok else "Not reloaded."
    drawn = report(AdminReport(ok, title, tuple(map(say, facts)), say("Problems:"), errors))
    return markdown_text(drawn)


def test_errors_are_shown_verbatim_in_a_fence_longer_than_any_backticks_inside() -> None:
    errors = ("a.yml:1: label: ```` is not allowed", "b.yml:2: unknown model 'x'")

    text = answer(False, ("Fix them.",), errors)

    assert "`````\na.yml:1: label: ```` is not allowed\nb.yml:2: unknown model 'x'\n`````" in (text)
    assert text.startswith("⚠️ **Not reloaded.**")


def test_a_flood_of_errors_is_bounded_and_counted() -> None:
    errors = tuple(f"q.yml:{n}: " + "x" * 90 for n in range(1000))

    text = answer(False, (), errors)

    assert len(text) < MAX_PROBLEM_CHARS + 1000
    assert "more: **advisor knowledge check** lists them all." in text


def test_admin_words() -> None:
    assert admin_word(" Reload. ") == "reload"
    assert admin_word("knowledge?") == "knowledge"
    assert admin_word("reload the knowledge") is None
    assert admin_word("") is None


def test_a_report_without_errors_is_markdown_without_a_code_block() -> None:
    assert answer(True, ("12 models.",), ()) == "✅ **Reloaded.**\n\n12 models."
