"""Every sentence the advisor's views and adapters say to people, in one place.

A sentence written here is said the same way on Slack, Teams and the terminal; the renderers
and adapters hold no user-facing wording of their own (a test checks). The engine's own replies
(notices, clarity sentences, next steps) are written in `bot.engine`, which sits below this
module; neutral text marks the words a user can type between backticks (see
`bot.views.document.commands_marked`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from bot.views.document import Inline, Span, emphasis, say, strong

PRODUCT = "AI Ownership Advisor"
INTRO = (
    "I help you decide who should own AI work: IT, the business, a dedicated AI leader or a "
    "shared model."
)
ABOUT = (
    "Four published articles disagree on it. About a dozen questions weigh your situation "
    "against their arguments and recommend an ownership model, with the reasons, the strongest "
    "other view and three next steps."
)
HOME_QUESTION = (
    "Who should own your organisation's AI work: IT, the business, a dedicated AI leader or a "
    "shared model?"
)
# Work turned away under overload (see bot.fair_turns).
BUSY = (
    "I'm handling a lot of requests right now, so I couldn't do that one. "
    "Please try again in a minute."
)
CUT_NOTICE = "…cut to fit the message size limits"
# A bug on our side, answered with an apology rather than a trace.
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
# How each platform names the one-to-one chat with the advisor.
OUR_DM = "our direct message"  # Slack
THE_CHANNEL = "its channel"  # Teams, where a channel's name is not at hand
OUR_PRIVATE_CHAT = "our private chat"  # Teams
# What to type in a Slack channel so the advisor may post there.
INVITE_ME = f"`/invite @{PRODUCT}`"

# --- the diagnostic -----------------------------------------------------------------------------

BACK, SKIP, WHY, HELP = "Back", "Skip", "Why?", "Help"
START, CONTINUE = "Start the diagnostic", "Continue the diagnostic"
SHOW_ALL = "None of these: show all"
QUESTION_HINT = "…or type a number, a letter or your own words."
UNDERSTOOD_NOTHING = "I couldn't match that to an option. Which comes closest?"
NOT_SURE = "I'm not sure which you meant. Is it one of these?"
SKIPPED = "↷ Skipped"
FROM_THE_ARTICLES = "From the articles:"
WHY_WE_ASK = "Why we ask:"
YOU_ASKED = "You asked:"
NOTHING_FOUND = (
    "I found nothing on that in the articles. Try other words, for example "
    "`ask who should own the AI budget?`"
)
THE_OPTIONS = "The options"


def question_title(number: int, total: int, dimension: str) -> str:
    return f"Question {number} of {total} · {dimension}"


def did_you_mean(label: str) -> str:
    return f"Did you mean “{label}”? (yes / no)"


def skipped(dimension: str) -> str:
    return f"{SKIPPED}: {dimension}"


def answered(answer: str) -> str:
    return f"✓ Your answer: {answer}"


# Where the diagnostic runs, when it is asked for elsewhere (a Slack command, a Teams channel).
DIAGNOSTIC_STARTED = f"I've started the diagnostic in {OUR_DM}: answer there whenever you like."
ANSWERED_IN_DM = f"Done: the answer is in {OUR_DM}."
DIAGNOSTIC_IN_PRIVATE = (
    f"The diagnostic runs in a private chat: open a chat with me ({PRODUCT}) and say hi. Here "
    "in the channel, @mention me with a question."
)


# --- asking the articles --------------------------------------------------------------------------

ASK_BUTTON = "Ask a question"
ASK_SUBMIT = "Ask"
ASK_LABEL = "Your question"
ASK_PLACEHOLDER = "How should we measure AI success?"
ASK_HINT = "I answer with the best-matching points from the articles, with their sources."
ASK_EMPTY = "Type a question first."

# --- the summary ----------------------------------------------------------------------------------

SUMMARY_TITLE = "Your AI ownership summary"
SCORES_HEADING = "How the models score"
LEANINGS_HEADING = "Your answers, dimension by dimension"
WHY_HEADING = "Why"


def because_you_said(answer: str, dimension: str) -> Inline:
    """Above a reason: the person's own answer it stands on (private summaries only)."""
    return say("Because you said ", emphasis(f"“{answer}”"), f" ({dimension}):")


BALANCED = "balanced"
ANOTHER_MODEL = "another model"
RETAKE = "Retake"
SHARE_BUTTON = "Share to a channel"
SHARE_TITLE = "Share your result"
SHARE_SUBMIT = "Share"
SHARE_EXPLAINED = (
    "The channel sees your recommendation, its scores, the reasons and the next steps. "
    "Your answers stay private."
)
SHARE_LABEL = "Post the summary to"
SHARE_PLACEHOLDER = "Choose a channel"
CANCEL, CLOSE = "Cancel", "Close"
LATEST_RESULT = "Your latest result"
NO_RESULT_YET = "No result yet."
NO_RESULT_HINT = "Start the diagnostic to get your recommendation."
SHOW_SUMMARY = "Show full summary"


def recommended(name: str) -> str:
    return f"Recommended: {name}"


def other_view_heading(name: str) -> str:
    return f"The other view ({name})"


# Around the sharer's mention, which the renderer draws.
SOMEONE = "someone"  # a sharer whose id cannot be shown as a mention
SHARED_BY = ("Shared by ", " from the AI Ownership Advisor diagnostic")


def summary_footer(model: str, answered: int, skipped: int, day: str) -> str:
    """The summary's last line: the recommendation again, for whoever scrolled past it."""
    return f"{recommended(model)} · {answered} answered, {skipped} skipped · {day}"


def tension(dimensions: tuple[str, ...], toward: str, advice: str) -> Inline:
    """Answers that pull hard against the recommendation, and what follows from them."""
    return say(
        "Your answers on ",
        strong(joined(dimensions)),
        " pull toward ",
        strong(toward),
        f": {advice}",
    )


def plan_step(horizon: int, text: str, because: tuple[str, ...]) -> Inline:
    """A step of the plan under its horizon; `because`: the dimensions of the answers that call
    for it (private summaries only)."""
    spans: list[str | Span] = [strong(f"{by_days(horizon)}:"), f" {text}"]
    if because:
        spans.append(emphasis(f" {called_for_by(because)}"))
    return say(*spans)


def called_for_by(because: tuple[str, ...]) -> str:
    """Which answers called for a plan step, by their dimensions (private copies only)."""
    answers = "answer" if len(because) == 1 else "answers"
    return f"(from your {answers} on {joined(because)})"


def joined(names: tuple[str, ...]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def loosen(unblock: str) -> Inline:
    return say(emphasis("What would loosen it: "), unblock)


PROGRESS_HEADING = "Since your last result"
HISTORY_HEADING = "Earlier results"
ANSWERS_CHANGED = "Answers you changed:"


def progress_moved(day: str, before: str, after: str) -> str:
    return f"{before} on {day}; {after} now."


def progress_kept(day: str, model: str) -> str:
    return f"Still {model}, as on {day}."


def more_changed(count: int) -> str:
    return f"… and {count} more."


def share_change(before: float, after: float) -> str:
    change = round(100 * after) - round(100 * before)
    sign = "+" if change > 0 else ""
    return f"{round(100 * before)}% → {round(100 * after)}% ({sign}{change} points)"


def answer_change(before: str | None, after: str | None) -> str:
    return f"{before or SKIPPED} → {after or SKIPPED}"


def history_entry(model: str, share: float) -> str:
    return f"{model} ({round(100 * share)}%)"


# --- the PDF report (bot.report; `advisor report`) -------------------------------------------

WHERE_YOU_STAND_HEADING = "Where you stand"
YOUR_REASONS_HEADING = "Your reasons"
TENSIONS_HEADING = "Tensions"
YOUR_PLAN_HEADING = "Your plan"
# The plan's horizons, in days, as the report groups the steps.
HORIZONS = {30: "First 30 days", 60: "By 60 days", 90: "By 90 days"}
ONLY_YOUR_RESULT = (
    "This report contains only your own result: no one else's answers or results are in it."
)


def by_days(horizon: int) -> str:
    """A plan horizon the knowledge adds beyond the three the report names."""
    return HORIZONS.get(horizon, f"By {horizon} days")


def stage_of(name: str, number: int, of: int) -> str:
    return f"Stage {number} of {of}: {name}"


def binding_constraint(dimension: str, answer: str, toward: str) -> str:
    return (
        f"What holds it back most: {dimension}. You said “{answer}”, which pulls toward {toward}."
    )


def tension_toward(dimensions: str, toward: str) -> str:
    return f"{dimensions}: pulls toward {toward}"


def progress_since(day: str, before: str, after: str) -> str:
    return f"Since your result of {day}: {before} → {after}"


def report_footer(day: str, answered: int, skipped: int, version: str) -> str:
    return f"{day} · {answered} answered, {skipped} skipped · knowledge version {version}"


# `advisor report` on the command line.
NO_RESULT_FOR_REPORT = (
    "No result yet, so there is nothing to report: take the diagnostic first with `make chat` "
    "(or `advisor chat`), then run `advisor report` again."
)


def report_written(path: str, size: int) -> str:
    return f"Wrote your report to {path} ({size:,} bytes)."


def report_not_written(path: str, reason: str, *, hint: str = "") -> str:
    return f"Could not write the report to {path}: {reason}.{hint}"


OUTPUT_HINT = " Choose another place with --output."
# `report` typed in the terminal's chat.
REPORT_TYPED_NO_RESULT = (
    "There is no result to put in a report yet: finish the diagnostic first, then type report."
)


# --- sharing (Slack's share modal) -----------------------------------------------------------

PICK_CHANNEL = "Pick a channel to share to."
NO_RESULT_TO_SHARE = (
    "There is no result to share yet: finish the diagnostic first (`/ai-owner start`)."
)
SHARE_FAILED = (
    f"I couldn't post to that channel. For a private channel, invite me first ({INVITE_ME}), "
    "then share again."
)


def shared_in(channel: str) -> str:
    """`channel` as the platform shows a channel (the adapter draws the link)."""
    return f"Shared your summary in {channel}."


# --- the summary as a PDF (the summary's "Download report" button) ------------------------------

REPORT_BUTTON = "Download report"
REPORT_TITLE = "Your AI ownership report"
REPORT_ABOUT = (
    "Your AI ownership result on one page (PDF): the recommendation, the scores, why, and the "
    "next steps."
)
REPORT_NO_RESULT = (
    "There is no result to put in a report yet: finish the diagnostic first, then press "
    "“Download report” on your summary."
)
REPORT_UPLOAD_FAILED = "Sorry, I couldn't send your report just now. Please try again in a minute."
REPORT_SAVED = "Here is your AI ownership report as a PDF, saved in your OneDrive."  # Teams
REPORT_DECLINED = (  # Teams
    "All right, nothing was saved to your OneDrive. Press “Download report” whenever you want it."
)
REPORT_IN_PRIVATE_CHAT = (  # Teams: files can only be offered in a one-to-one chat
    f"I can send the report only in {OUR_PRIVATE_CHAT}: open a chat with me ({PRODUCT}), type "
    "`summary` and press “Download report” there."
)


def report_sent(chat: str) -> str:
    """`chat`: OUR_DM (Slack)."""
    return f"I've sent your report as a PDF to {chat}."


# --- help -----------------------------------------------------------------------------------------

COMMANDS_HEADING = "Commands"
SLASH_HEADING = "Slash commands"
DM_HEADING = "In a direct message with me, type:"
CHAT_HEADING = "In a chat with me, type:"
SLASH_COMMANDS = (
    ("/ai-owner start", "start the diagnostic, about a dozen questions"),
    (
        "/ai-owner ask <question>",
        "search the articles, e.g. /ai-owner ask who should own the budget?",
    ),
    ("/ai-owner pulse", "launch an anonymous team pulse survey in this channel"),
    (
        "/ai-owner pulse close | results | export",
        "close this channel's survey, show its results again, or get them as CSV",
    ),
    ("/ai-owner forget-me", "delete everything I keep about you (I ask first)"),
    ("/ai-owner help", "this help"),
)
# Teams has no slash commands: a channel @mention carries the same words.
CHANNEL_COMMANDS = (
    ("@mention + question", "search the articles, e.g. who should own the AI budget?"),
    ("@mention + pulse", "launch an anonymous team pulse survey in this channel"),
    (
        "@mention + pulse close | results | export",
        "close this channel's survey, show its results again, or get them as CSV",
    ),
)
CHANNEL_HEADING = "In a channel:"
CHANNEL_HELP = (
    "In a channel, @mention me with a question. In our personal chat, forget-me deletes "
    "everything I keep about you (I ask first)."
)
QUIT = ("quit", "leave the console (progress is kept)")


def unknown_command(shown: str) -> str:
    return f"I don't know `{shown}`."


# --- forget-me --------------------------------------------------------------------------------

# Teams: the word typed in a channel or group chat, where nothing personal is answered.
FORGET_IN_PRIVATE = (
    f"To delete what I keep about you, type forget-me in a personal chat with me ({PRODUCT})."
)

# --- forget-me (the service) ------------------------------------------------------------------

# Asking first (the cancel button is CANCEL).
FORGET_CONFIRM_TITLE = "Delete everything I keep about you?"
FORGET_CONFIRM_TEXT = (
    "This deletes, here: your diagnostic (in progress or finished) and your completed results, "
    "what I keep to message you, your answers to pulse surveys, and the link between you and "
    "any survey you launched. It cannot be undone. Closed surveys' team totals stay: they "
    "count answers, never who gave them."
)
FORGET_CONFIRM_BUTTON = "Delete my data"
FORGET_CANCELLED = "Nothing was deleted."
FORGET_FAILED = (
    "Sorry, something went wrong on my side and nothing was deleted. Please try again in a moment."
)
# The report: a title, what was deleted, what stays.
FORGET_DONE = "Done: I deleted everything I kept about you."
FORGET_NOTHING = "There was nothing to delete: I keep no conversation, result or answer of yours."
FORGET_KEPT_HEADING = "What stays"
FORGET_TOTALS_KEPT = "Closed pulse surveys' team totals: they count answers, never who gave them."
DELETED_DIAGNOSTIC_IN_PROGRESS = "your diagnostic in progress"
DELETED_LAST_DIAGNOSTIC = "the answers of your last diagnostic"
DELETED_CONVERSATION = "our conversation's saved state"
DELETED_REFERENCE = "the reference I used to message you"


def deleted_results(count: int) -> str:
    return _counted(count, "completed result")


def deleted_survey_answers(count: int) -> str:
    return f"your answers to {_counted(count, 'pulse survey')}"


def deleted_launcher_links(count: int) -> str:
    them = "it" if count == 1 else "them"
    return (
        f"the link between you and {_counted(count, 'pulse survey')} you launched (an admin can "
        f"still close {them})"
    )


def deleted_deliveries(count: int) -> str:
    return (
        f"{_counted(count, 'record')} of your recent messages' delivery, kept to ignore duplicates"
    )


def kept_admin_records(count: int, retention_days: int | None) -> str:
    """`retention_days`: None (or 0) when no retention is configured."""
    until = (
        f"; retention deletes them after {retention_days} days, except the record of the "
        "knowledge versions in use"
        if retention_days
        else " (an administrator of this app can remove them)"
    )
    return (
        f"{_counted(count, 'admin record')} naming you (knowledge reloads, the audit log): kept "
        f"for accountability{until}."
    )


def kept_messages(platform: str) -> str:
    """`platform`: the name people know ("Slack", "Teams")."""
    return (
        f"Messages already in our chat: they are kept by {platform}, not by me; "
        "you can delete your own there."
    )


# --- admin ------------------------------------------------------------------------------------


REPORT_OK_MARK = "✅"
REPORT_WARNING_MARK = "⚠️"


def more_errors(left: int) -> str:
    """After as many knowledge errors as fit in one message."""
    return f"… and {left} more: `advisor knowledge check` lists them all."


# --- knowledge admin ----------------------------------------------------------------------------

ADMINS_ONLY = (
    "Sorry, only the advisor's admins can do that. If you look after the knowledge, ask "
    "whoever runs the advisor to add your user id to ADMIN_USERS."
)
RELOAD_FIX_THEM = "Fix them and reload again (`advisor knowledge check` lists the same problems)."
PROBLEMS_HEADING = "Problems (file:line: message):"
RELOAD_SPREADS = (
    "Every server process switches within a few seconds; conversations in progress "
    "carry on with the new version."
)
# Who loaded a knowledge version, when it was no person.
LOADED_AT_STARTUP = "a server starting with new files"
LOADED_BY_FILE_WATCH = "the file watch"
LOADED_BY_TOKEN = "the admin endpoint (ADMIN_TOKEN)"


def not_reloaded(problems: int, version: str) -> str:
    return (
        f"The knowledge was not reloaded: {_counted(problems, 'problem')} in the files. "
        f"Version {version} is still in use everywhere."
    )


def reloaded_unchanged(version: str) -> str:
    return f"Reloaded: the files are unchanged, version {version} stays in use."


def reloaded(version: str, previous: str) -> str:
    return f"Reloaded: version {version} is now in use (was {previous})."


def knowledge_in_use(version: str) -> str:
    return f"Knowledge version {version} is in use."


def loaded_by(moment: str, who: str | Span) -> Inline:
    return say(f"Loaded {moment} by ", who, ".")


def switching_to(version: str | None) -> str:
    return f"This process is switching to version {version} right now."


def last_reload_failed(moment: str, who: str | Span, problems: int) -> Inline:
    return say(
        f"The last reload, {moment} by ",
        who,
        f", failed with {_counted(problems, 'problem')} (the version above kept serving):",
    )


def knowledge_counts(numbers: Mapping[str, int]) -> str:
    """The size of a knowledge version, from its counts by kind (a missing kind counts 0)."""

    def n(key: str) -> int:
        return numbers.get(key, 0)

    return (
        f"{n('sources')} sources, {n('models')} models, {n('dimensions')} dimensions, "
        f"{n('questions')} questions ({n('pulse_questions')} in the pulse), "
        f"{n('snippets')} snippets."
    )


# --- console ----------------------------------------------------------------------------------

# `make chat` is what people ran; `advisor` is only on their PATH inside the virtualenv.
GOODBYE = (
    "Bye. Your progress is saved: run `make chat` (or `.venv/bin/advisor chat`) to pick it up."
)


# --- welcome (Teams, when the app is added) ---------------------------------------------

WELCOME_PERSONAL = "Say hi or press Start to begin, and type help at any point."
WELCOME_TEAM = (
    "@mention me with a question, for example: who should own the AI budget? Or chat with me "
    "privately to take the diagnostic."
)
START_SHORT = "Start"

# --- team pulse -------------------------------------------------------------------------------

PULSE_TITLE = "📊 Team pulse: who should own AI work?"
PULSE_RESULTS_TITLE = "📊 Team pulse results"
PULSE_FORM_TITLE = "Team pulse"  # Slack's modal title: at most 24 characters
ANONYMOUS = "Anonymous: nobody, admins included, can see who answered what."
CHANGE_UNTIL_CLOSED = "You can change your answers until the survey closes."
ANSWER_PRIVATELY = "Answer privately"
CLOSE_SURVEY = "Close survey"
CLOSE_CONFIRM = (
    "Close the survey?",
    "Answers stop now and the results are posted in the channel.",
    "Close it",
    "Keep it open",
)
EXPORT_CSV = "Export CSV"
ANSWERED_IN_CHAT = "answered in a private chat with me"
RESULTS_POSTED = "The results are posted in this thread."
ONE_REMINDER = "one reminder before then"
PULSE_SCORES_HEADING = "How the models score for the team"
PULSE_SPLIT_HEADING = "Where the team is split"
SEE_ALL_NUMBERS = "See all numbers"
PULSE_NUMBERS_TITLE = "Team pulse: all numbers"
NUMBERS_AFTER_CLOSE = "The numbers are shown once the survey has closed."
NO_TEAM_RECOMMENDATION = "No recommendation: too few of the survey's questions were answered."
CHART_ALT = "Bar chart of the team pulse results: the share of answers per option."
# The file the chart is uploaded as, where a platform takes files (Slack).
CHART_FILENAME = "team-pulse-results.png"


def people_answered(count: int) -> str:
    return "1 person has answered" if count == 1 else f"{count} people have answered"


def short_questions(count: int) -> str:
    return "One short question" if count == 1 else f"{count} short questions"


def pulse_about(questions: int, where: str | None) -> str:
    """What the survey is; `where` says how people answer, when the platform needs saying."""
    how = f", {where}" if where else ""
    return f"{short_questions(questions)} on who should own AI work here{how}. {ANONYMOUS}"


def results_need(threshold: int) -> str:
    return f"The results appear here if at least {threshold} people answer."


def so_far(count: int) -> str:
    return f"{people_answered(count)} so far."


def closes(moment: str) -> str:
    return f"Closes {moment}"


def closed(moment: str) -> str:
    return f"Closed {moment}"


def closed_count(count: int) -> str:
    return f"Closed: {people_answered(count)}."


REMINDER = "⏰ Reminder:"


def reminder_closes() -> tuple[str, str]:
    """Around the deadline, which the renderer draws in each reader's time zone."""
    return ("the team pulse closes ", ".")


def private_reminder_closes() -> tuple[str, str]:
    """Around the deadline of a private reminder (sent only to those who have not answered)."""
    return ("the team pulse in your channel closes ", ". There is still time to answer.")


def reminder_count(count: int, threshold: int) -> str:
    return f"{people_answered(count)} so far; the results need at least {threshold}."


def participation(count: int, threshold: int) -> str:
    return f"{people_answered(count)} · anonymity threshold {threshold}"


def results_hidden(count: int, threshold: int) -> str:
    """What results below the anonymity threshold say instead of any count."""
    return (
        f"{people_answered(count)}, fewer than the anonymity threshold of {threshold}, so the "
        "results stay hidden."
    )


def team_recommended(name: str) -> str:
    return f"The team points to: {name}"


def team_close_call(first: str, second: str, common: str) -> str:
    return (
        f"A close call: the team's answers split between {first} and {second}. When the "
        f"evidence is this mixed, the articles' common ground is {common}."
    )


def dropped_questions(count: int) -> str:
    if count == 1:
        return "1 question of this survey is no longer asked, so it is left out."
    return f"{count} questions of this survey are no longer asked, so they are left out."


def pulse_fallback(count: int, name: str | None) -> str:
    if name is None:
        return f"{PULSE_RESULTS_TITLE}: {people_answered(count)}."
    return f"{PULSE_RESULTS_TITLE}: {people_answered(count)}; the team points to {name}."


# Slack's launch and answer modals.
LAUNCH = "Launch"
LAUNCH_ABOUT = (
    "A short anonymous survey on who should own AI work, for everyone in ",
    ". Nobody, admins included, can see who answered what, and the results show only if "
    "enough people answer.",
)
LAUNCH_DEADLINE = "Closes at"
LAUNCH_DEADLINE_HINT = "At most 90 days from now. Results are posted then."
LAUNCH_THRESHOLD = "Anonymity threshold"
LAUNCH_REMIND = "Reminder"
LAUNCH_REMIND_OPTION = "Remind the channel once before it closes"
EARLIER_ANSWERS = "These are your earlier answers: change any and submit."
SUBMIT, UPDATE = "Submit", "Update"
THIS_CHANNEL = "this channel"


def launch_threshold_hint(minimum: int) -> str:
    return f"Results show only if at least this many people answer (at least {minimum})."


# Teams' private questions card.
SEND_ANSWERS = "Send my answers"
CHOOSE_ONE = "Choose one answer."
CHANGE_UNTIL = "You can change your answers until "
EARLIER_ANSWERS_FILLED = "Your earlier answers are filled in: change what you like and send again."


def only_totals(threshold: int) -> str:
    return f"The team sees only totals, and only once at least {threshold} people have answered."


# --- pulse (the service) ----------------------------------------------------------------------

UNKNOWN_SURVEY = "I can't find that survey any more. It may have been removed."
CLOSED_SURVEY = "This survey is closed, so answers are no longer taken."
_ANSWERS_KEPT = (
    "They are anonymous: nobody, admins included, can see who answered what. "
    "You can change them until the survey closes."
)
ANSWERS_IN = f"Thanks, your answers are in. {_ANSWERS_KEPT}"
ANSWERS_UPDATED = f"Your answers are updated. {_ANSWERS_KEPT}"
NO_PULSE_QUESTIONS = "The knowledge has no pulse questions, so there is nothing to ask."
RESULTS_WHEN_CLOSED = "The results appear when the survey closes."
DEADLINE_PASSED = "The deadline must be in the future."


def _not_yours(doing: str) -> str:
    return f"Only the person who launched this survey, or an admin, can {doing}."


NOT_YOURS_TO_CLOSE = _not_yours("close it")
NOT_YOURS_TO_EXPORT = _not_yours("export it")


def threshold_out_of_range(minimum: int, maximum: int) -> str:
    return (
        f"The anonymity threshold must be a whole number from {minimum} to {maximum}: below "
        f"{minimum}, results could point at a person."
    )


def deadline_too_far(longest_days: int) -> str:
    return f"The deadline can be at most {longest_days} days away."


# --- pulse notices ----------------------------------------------------------------------------

NO_OPEN_SURVEY = "There is no open pulse survey in this channel."
NO_CLOSED_SURVEY = "No pulse survey of this channel has closed yet."
ALREADY_CLOSED = "This survey is already closed."
SURVEY_CLOSED = "Closed. The results are posted in the channel."
CLOSED_RESULTS_PENDING = "Closed. The results will be posted in the channel shortly."
CLOSE_FAILED = "Sorry, I couldn't close the survey just now. Please try again in a minute."
ANSWERS_NOT_SAVED = (
    "Sorry, something went wrong on my side and your answers were not saved. Please try again."
)
# A survey asked for in the one-to-one chat: each platform says how it is launched there.
PULSE_NOT_IN_A_DM = (  # Slack
    "Launch a pulse survey in the channel of the team you want to ask, not in a direct message."
)
PULSE_IN_A_CHANNEL = (  # Teams
    "Pulse surveys run in a channel or group chat: @mention me there with “pulse” to ask the "
    "whole team, anonymously."
)
PULSE_NOT_REACHED = (
    f"I couldn't open a private chat just now. Please open a chat with me ({PRODUCT}), then "
    "press “Answer privately” again."
)
PICK_DEADLINE = "Pick the date and time the survey closes."


def survey_not_posted(channel: str) -> str:
    """`channel` as the platform shows a channel (the adapter draws the link)."""
    return (
        f"I couldn't post the survey in {channel}, so it is withdrawn. Invite me there first "
        f"({INVITE_ME}), then launch it again."
    )


def threshold_range(minimum: int, maximum: int) -> str:
    return (
        f"A whole number from {minimum} to {maximum}: below {minimum}, results could point at "
        "a person."
    )


# Exporting the results as CSV.
EXPORT_TITLE = "Team pulse results (aggregate counts)"
EXPORT_ABOUT = (
    "Team pulse results: counts per question and option and the model shares, never a row per "
    "person."
)
EXPORT_FAILED = "Sorry, I couldn't upload the CSV just now. Please try again in a minute."
EXPORT_SAVED = "Here are the team pulse results as CSV, saved in your OneDrive."
SAME_COUNTS_AS_TEXT = (
    "Here are the same counts as text (aggregate counts only, never a row per person):"
)
EXPORT_DECLINED = f"Nothing was saved to your OneDrive. {SAME_COUNTS_AS_TEXT}"
EXPORT_UPLOAD_FAILED = f"I couldn't save the file to your OneDrive. {SAME_COUNTS_AS_TEXT}"
EXPORT_NOT_REACHED = (
    f"I couldn't open a private chat to send the export. Please open a chat with me ({PRODUCT}), "
    "then ask for “pulse export” again."
)


def export_sent(chat: str) -> str:
    """`chat`: OUR_DM or OUR_PRIVATE_CHAT."""
    return f"I've sent the results as a CSV file to {chat}."


# Slack's `/ai-owner pulse help`; the adapter draws the heading bold and the commands as code.
PULSE_HELP_HEADING = "Team pulse surveys"
PULSE_HELP_ABOUT = "(anonymous, for a whole channel)"
PULSE_SLASH_COMMANDS = (
    ("/ai-owner pulse", "launch one in this channel"),
    (
        "/ai-owner pulse close",
        "close this channel's open survey and post the results (its launcher or an admin)",
    ),
    ("/ai-owner pulse results", "show the latest results here again"),
    ("/ai-owner pulse export", "the results as CSV in a direct message (launcher or admin)"),
    (
        "/ai-owner pulse series",
        "this channel's recurring pulses (start one with Repeat in the launch form)",
    ),
    (
        "/ai-owner pulse pause | resume | stop [N]",
        "change recurring pulse N of the list (its launcher or an admin)",
    ),
    ("/ai-owner pulse trend", "the latest round's results with the change since earlier rounds"),
    ("/ai-owner pulse compare", "your own diagnostic beside the team's latest results, privately"),
)

# Teams' `@mention pulse ...`: what to write, and what was wrong with what was written.
PULSE_USAGE = (
    "To start an anonymous team survey, write “pulse”: it runs 3 days and shows results once "
    "at least 5 people answered. Options, in any order: “pulse 5 days” or “pulse 12 hours”, "
    "“pulse threshold 7” (at least 3), “pulse remind” (one reminder before it closes), e.g. "
    "“pulse 2 days threshold 6 remind”. Add “weekly”, “every two weeks” or “monthly” for a "
    "recurring pulse (a new round each period, each open for the duration): “pulse series” "
    "lists them, “pulse pause 1”, “pulse resume 1” and “pulse stop 1” change one, “pulse trend” "
    "shows the change over the rounds. Also: “pulse close”, “pulse results” and “pulse export”."
)
PULSE_BAD_THRESHOLD = (
    f"Write the threshold as a whole number, e.g. “pulse threshold 7”. {PULSE_USAGE}"
)
PULSE_THRESHOLD_TWICE = f"Give the threshold once. {PULSE_USAGE}"
PULSE_DURATION_TWICE = f"Give the duration once, in hours or days. {PULSE_USAGE}"


def pulse_takes_nothing_else(word: str) -> str:
    return f"“pulse {word}” takes nothing else. {PULSE_USAGE}"


def pulse_not_understood(word: str) -> str:
    return f"I didn't understand “{word}”. {PULSE_USAGE}"


def pulse_duration_unit(number: str) -> str:
    return f"How long should it run? Write hours or days, e.g. “pulse {number} days”. {PULSE_USAGE}"


def pulse_duration_range(longest_days: int) -> str:
    return (
        f"A survey runs at least 1 hour and at most {longest_days} days, e.g. "
        "“pulse 5 days” or “pulse 12 hours”."
    )


def _counted(count: int, thing: str) -> str:
    """`count` things, for a `thing` made plural with an s ("1 problem", "2 problems")."""
    return f"{count} {thing}" if count == 1 else f"{count} {thing}s"


# --- recurring pulses (bot/pulse/series.py) ---------------------------------------------------

CADENCE_WEEKLY = "weekly"
CADENCE_BIWEEKLY = "every two weeks"
CADENCE_MONTHLY = "monthly"
NOT_YOURS_SERIES = "Only the person who started this recurring pulse, or an admin, can change it."
NO_SERIES = (
    "This channel has no recurring pulse. Start one with “pulse monthly” (or weekly, or every "
    "two weeks)."
)


def too_many_series(most: int) -> str:
    return (
        f"This channel already runs {most} recurring pulses, the most it can. Stop one first "
        "(“pulse series” lists them)."
    )


def series_already(status: str) -> str:
    return f"Nothing changed: this recurring pulse is {status}."


def round_length_range(cadence: str, longest_days: int) -> str:
    return (
        f"Each round of a {cadence} pulse stays open at least 1 hour and at most "
        f"{longest_days} days, so it closes before the next one opens."
    )


def series_paused_cannot_post(channel: str) -> str:
    return (
        f"I paused your recurring pulse in {channel}: I can no longer post there (I may have "
        "been removed from the channel, or it was archived). Add me back, then resume it with "
        "“pulse resume” in that channel."
    )


def round_title(title: str, number: int) -> str:
    return f"{title} · round {number}"


# --- trends over a series' rounds (bot/views/pulse.py) -----------------------------------------

NO_ROUND_TO_COMPARE = (
    "No earlier round had enough answers to compare with: the change shows from the next round "
    "that does."
)
MOVED_MOST = "Moved most"
ROUNDS_SO_FAR = "Rounds so far:"
TREND_TITLE = "Team pulse: the trend over the rounds"
TREND_ALT = (
    "Line charts of each ownership model's share in every round of the team pulse; rounds "
    "with too few answers are left blank."
)
TREND_FILENAME = "team-pulse-trend.png"


def since_round(number: int) -> str:
    return f"Since round {number}"


def score_moved(model: str, percent: int, change: int) -> str:
    if change == 0:
        return f"{model}: {percent}% (unchanged)"
    arrow = "▲" if change > 0 else "▼"
    return (
        f"{model}: {percent}% ({arrow} {abs(change)} {'point' if abs(change) == 1 else 'points'})"
    )


def question_moved(
    prompt: str, top: str | None, top_before: str | None, option: str, before: int, now: int
) -> str:
    moved = f"“{option}” {before}% → {now}%"
    if top and top_before and top != top_before:
        return f"{prompt}: most now say “{top}” (was “{top_before}”); {moved}"
    return f"{prompt}: {moved}"


def round_not_enough(number: int) -> str:
    return f"round {number}: not enough answers"


def round_summary(number: int, respondents: int, leader: str) -> str:
    return f"round {number}: {respondents} answered, {leader}"


# --- you vs your team --------------------------------------------------------------------------

COMPARE_WITH_TEAM = "Compare with my diagnostic"
COMPARE_TITLE = "You and your team"  # also Slack's modal title: at most 24 characters
COMPARE_ONLY_YOU = (
    "Only you can see this: your own diagnostic answers beside the team's anonymous results. "
    "The team's numbers are the results' own, and may include your pulse answers."
)
COMPARE_QUESTIONS_HEADING = "Each pulse question: your answer and the team's"
COMPARE_SCORES_HEADING = "Model scores on these questions: you · the team"
COMPARE_DIFFERENCES_HEADING = "Where you differ most from the team"
COMPARE_NO_DIFFERENCES = "You answered every pulse question the way most of the team did."
COMPARE_YOU_SKIPPED = "You: not answered in your diagnostic"
COMPARE_NO_DIAGNOSTIC = (
    "There is nothing of yours to compare yet: take the diagnostic first (“/ai-owner start” on "
    "Slack, “start” in a chat with me on Teams), then press “Compare with my diagnostic” again."
)
COMPARE_WHEN_CLOSED = (
    "The comparison with your team is ready once the survey has closed and its results are in."
)
COMPARE_NOT_REACHED = (
    f"I couldn't open a private chat to show you the comparison. Please open a chat with me "
    f"({PRODUCT}), then press “Compare with my diagnostic” again."
)


def you_answered(option: str) -> str:
    return f"You: {option}"


def compare_hidden(hidden: str) -> str:
    """`hidden`: `results_hidden(...)`, why the results show no numbers."""
    return f"{hidden} So there is nothing to compare your diagnostic with."


def compare_models(yours: str | None, team: str | None, same: bool) -> str:
    if yours is None:
        return "You answered none of these questions in your diagnostic."
    if same:
        return f"On these questions, you and the team both lean to {yours}."
    if team is None:
        return f"On these questions, you lean to {yours}; the team has no clear lean."
    return f"On these questions, you lean to {yours}; the team leans to {team}."


def compare_diagnostic(model: str) -> str:
    return f"Your whole diagnostic recommended {model}."


def score_pair(yours: int, team: int) -> str:
    return f"you {yours}% · team {team}%"


def compare_difference(prompt: str, yours: str, team: str | None) -> str:
    """`team`: the team's most chosen answer with its share ("Platform 60%"), None in a tie."""
    if team is None:
        return f"{prompt} You said “{yours}”; the team was divided."
    return f"{prompt} You said “{yours}”; most of the team said {team}."


def compare_point(model: str) -> str:
    return f"The case for {model}:"


def pulse_compare_fallback(model: str | None) -> str:
    if model is None:
        return COMPARE_TITLE
    return f"{COMPARE_TITLE}: on the pulse questions you lean to {model}."


# The trend chart's own words (bot/pulse/trend_chart.py).
TREND_CHART_ABOUT = "Each model's share of the team's answers"
TREND_CHART_POINT = "a round's share"
TREND_CHART_HIDDEN = "too few answers to show"


def trend_chart_title(rounds: int) -> str:
    return f"Team pulse over {rounds} round{'s' if rounds != 1 else ''}"


def trend_panel_heading(model: str, percent: int, number: int) -> str:
    return f"{model}: {percent}% in round {number}"


PULSE_CADENCE_TWICE = "Give how often once: weekly, every two weeks or monthly."


def pulse_series_number(action: str) -> str:
    return (
        f"Write which recurring pulse to {action} by its number in “pulse series”, e.g. "
        f"“pulse {action} 2”, or just “pulse {action}” when the channel has one."
    )


SERIES_TITLE = "🔁 Recurring pulses in this channel"
SERIES_PAUSED = "paused"
SERIES_PAUSED_BY_CHANNEL = "paused: I could not post here; add me back, then resume it"
SERIES_YOURS = "started by you"


def series_about(cadence: str, length: str, threshold: int, rounds: int) -> str:
    done = "no round yet" if rounds == 0 else f"{rounds} round{'s' if rounds != 1 else ''} so far"
    return (
        f"{cadence.capitalize()}, each round open {length}, results from {threshold} answers, "
        f"{done}"
    )


def next_round(when: str) -> str:
    return f"next round {when}"


def series_hint(command: str) -> str:
    return (
        f"Write “{command} pause 1”, “{command} resume 1” or “{command} stop 1” (the number "
        "from this list): the person who started it, or an admin. Stopping lets an open round "
        "run to its end."
    )


def series_fallback(count: int) -> str:
    return f"{count} recurring pulse{'s' if count != 1 else ''} in this channel."


def duration_words(length: timedelta) -> str:
    hours = round(length.total_seconds() / 3600)
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"


def series_started(cadence: str, length: str) -> str:
    return (
        f"Recurring pulse started: a round {cadence}, each open {length}. The first round "
        "is open now. “pulse series” lists this channel's recurring pulses."
    )


def series_changed(number: int, status: str) -> str:
    return f"Recurring pulse {number} is {status}."


SERIES_PICK_ONE = (
    "This channel has more than one recurring pulse: write its number from “pulse series”, "
    "e.g. “pulse pause 2”."
)


def no_such_series(count: int) -> str:
    return f"There is no recurring pulse with that number here; “pulse series” lists {count}."


NOT_A_SERIES_ROUND = (
    "The latest results here are from a one-off pulse: a trend needs a recurring one (start it "
    "with “pulse monthly”, weekly or every two weeks)."
)


SLACK_PULSE_COMMAND = "/ai-owner pulse"  # what `pulse series` tells Slack users to type
TEAMS_PULSE_COMMAND = "pulse"
LAUNCH_REPEAT = "Repeat"
LAUNCH_REPEAT_HINT = (
    "A recurring pulse opens a new round each period at this time of day in your timezone; "
    "each round stays open as long as this first one (until the deadline above)."
)
REPEAT_ONCE = "once"
