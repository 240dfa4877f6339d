"""Hypothesis strategies for malformed requests to the three endpoints the internet can reach.

Requests start from the shapes the platforms really send (the fakes' builders and recorded
fixtures, aimed at the bot's own action ids, callback ids, commands and survey), so that many
reach deep into the listeners, and are then broken: fields deleted, given values of wrong types
(an unhashable `type`), huge or thousands deep; bodies that are raw bytes, invalid UTF-8 or of
the wrong content type; signatures missing, forged or with odd timestamps.

Nothing generated may reach beyond 127.0.0.1: URL fields (Slack's response_url, Teams'
serviceUrl and upload URLs) only ever hold the placeholders below or strings no client can
resolve, and `materialize` replaces the placeholders with the fakes' addresses at send time (the
strategies are built at import, before any server runs). Deep and huge values are placeholders
too, expanded by `encode_json`, so hypothesis never builds (nor json.dumps recurses through)
5,000 nested lists.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from bot.admin.http import RELOAD_PATH, STATUS_PATH
from bot.handlers.slack import ids
from bot.handlers.slack.forget import CANCEL_ACTION, CONFIRM_ACTION
from bot.knowledge import load_knowledge
from bot.knowledge.paths import default_knowledge_dir
from testing.fakes import slack_requests as slack
from testing.fakes import teams_activities as teams
from testing.fakes.workspace import DM_CHANNEL, GENERAL_CHANNEL, TEAM_ID, USER_ID
from tests.server.fuzz_server import ADMIN_TOKEN, ADMIN_USER

# Placeholders, replaced at send time (see `materialize`).
API = "@api@"  # a response URL on the fake Slack Web API
CONNECTOR = "@connector@"  # the FakeConnector's root URL
CLOSED = "@closed@"  # http://127.0.0.1:<a port nothing listens on>
SURVEY = "@survey@"  # the id of the survey launched before the run
LAUNCH = "@launch@"  # the private_metadata of a real launch modal
# The number of the request: in delivery ids (Slack event ids, message timestamps, Teams
# activity ids), so that a case replayed by hypothesis is not taken for a redelivery.
NTH = "@n@"
_DEEP = re.compile(r'"@@deep(\d+)@@"')
_HUGE = re.compile(r'"@@huge(\d+)@@"')

KNOWLEDGE = load_knowledge(default_knowledge_dir())
QUESTIONS = {q.id: tuple(o.id for o in q.options) for q in KNOWLEDGE.questions}
PULSE_QUESTIONS = {q.id: QUESTIONS[q.id] for q in KNOWLEDGE.questions if q.pulse}

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
CONTENT_TYPES = (
    FORM,
    JSON,
    "application/json; charset=utf-8",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    f"{FORM}; charset=latin-1",
    "application/xml",
    "",
)


# --- values of every kind ----------------------------------------------------------------------


def deep(depth: int) -> str:
    """A JSON value `depth` lists deep (expanded by `encode_json`)."""
    return f"@@deep{depth}@@"


def huge(size: int) -> str:
    """A JSON string of `size` characters (expanded by `encode_json`)."""
    return f"@@huge{size}@@"


def encode_json(value: Any, *, ensure_ascii: bool = True) -> str:
    encoded = json.dumps(value, ensure_ascii=ensure_ascii)
    encoded = _DEEP.sub(lambda m: "[" * int(m[1]) + "]" * int(m[1]), encoded)
    return _HUGE.sub(lambda m: '"' + "x" * int(m[1]) + '"', encoded)


def expand(text: str) -> str:
    """A form field's deep and huge placeholders expanded, as text."""
    text = re.sub(r"@@deep(\d+)@@", lambda m: "[" * int(m[1]) + "]" * int(m[1]), text)
    return re.sub(r"@@huge(\d+)@@", lambda m: "x" * int(m[1]), text)


DEPTHS = st.sampled_from([2, 50, 400, 900, 1100, 3000, 5000, 20_000])
SIZES = st.sampled_from([300, 3001, 40_000, 200_000, 900_000, 1_100_000])
ODD_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",  # a lone surrogate: JSON can carry it, UTF-8 cannot
        "null",
        "{}",
        "[]",
        "start",
        "pulse",
        "help",
        "<@U0BOT>",
        "answer:x:y",
        "command:start",
        "unknown",
        "U" + "X" * 300,
        "💥" * 40,
        "\u202e\u200b",
        "%s%n{0}",
        "' OR 1=1 --",
        USER_ID,
        ADMIN_USER,
        TEAM_ID,
        SURVEY,
        "0" * 32,
        "f" * 33,
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and infinities too: Python's JSON writes and reads them
    st.text(max_size=20).filter(lambda s: "://" not in s),
    ODD_STRINGS,
)
ODD_VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=6), SCALARS, max_size=3),
    st.builds(deep, DEPTHS),
    st.builds(huge, SIZES),
)


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each as often as its weight says."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value, but for the value itself."""
    items: Iterator[tuple[Any, Any]]
    if isinstance(value, dict):
        items = iter(value.items())
    elif isinstance(value, list):
        items = iter(enumerate(value))
    else:
        return
    for key, item in items:
        yield (*prefix, key)
        yield from paths(item, (*prefix, key))


@st.composite
def broken(
    draw: st.DrawFn, value: Any, max_changes: int = 4, keep: frozenset[str] = frozenset()
) -> Any:
    """`value` with up to `max_changes` fields deleted, replaced (wrong types, deep, huge) or
    added; not the top-level fields named in `keep`."""
    value = copy.deepcopy(value)
    changes = draw(st.sampled_from([0, 0, *range(1, max_changes + 1)]))
    for _ in range(changes):
        places = [place for place in paths(value) if place[0] not in keep]
        if not places:
            break
        *parent_path, key = draw(st.sampled_from(places))
        parent = value
        for step in parent_path:
            parent = parent[step]
        how = draw(st.sampled_from(["delete", "replace", "replace", "add"]))
        if how == "delete":
            del parent[key]
        elif how == "replace":
            parent[key] = draw(ODD_VALUES)
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(ODD_VALUES)
        else:
            parent.append(draw(ODD_VALUES))
    return value


def materialize(value: Any, places: Mapping[str, str]) -> Any:
    """`value` with the placeholders replaced by real addresses and ids."""
    if isinstance(value, str):
        for placeholder, real in places.items():
            value = value.replace(placeholder, real)
        return value
    if isinstance(value, dict):
        return {materialize(k, places): materialize(v, places) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(materialize(item, places) for item in value)
    return value


def localize(value: Any) -> Any:
    """Every URL of a recorded fixture pointed at a closed local port."""
    if isinstance(value, str) and "://" in value:
        return CLOSED + "/fixture"
    if isinstance(value, dict):
        return {key: localize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [localize(item) for item in value]
    return value


# --- bodies ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """A request body before the placeholders are filled in: a JSON value (`kind` "json"),
    form fields ("form"), or bytes sent as they are ("raw")."""

    kind: str
    content: Any
    content_type: str
    ensure_ascii: bool = True

    def encode(self, places: Mapping[str, str]) -> bytes:
        if self.kind == "raw":
            assert isinstance(self.content, bytes)
            return self.content
        content = materialize(self.content, places)
        if self.kind == "json":
            return encode_json(content, ensure_ascii=self.ensure_ascii).encode(
                "utf-8", "surrogatepass"
            )
        fields = [
            (name, expand(value) if isinstance(value, str) else encode_json(value))
            for name, value in content
        ]
        return urlencode(fields, errors="surrogatepass").encode()


def _content_type(usual: str) -> st.SearchStrategy[str]:
    return st.one_of(st.just(usual), st.just(usual), st.just(usual), st.sampled_from(CONTENT_TYPES))


INVALID_UTF8 = st.sampled_from(
    [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80", b"\xf4\x90\x80\x80"]
)


@st.composite
def raw_bodies(draw: st.DrawFn, usual: str) -> Body:
    """Bytes that are barely, or not at all, what the endpoint reads."""
    kind = draw(st.sampled_from(["bytes", "utf8", "deep", "huge", "form", "truncated"]))
    content: bytes
    if kind == "bytes":
        content = draw(st.binary(max_size=300))
    elif kind == "utf8":
        text = draw(
            st.sampled_from(['{"type":"', "payload=", '{"text":"', "command=/ai-owner&text="])
        )
        content = text.encode() + draw(INVALID_UTF8) + draw(st.sampled_from([b"", b'"}', b"&x=1"]))
    elif kind == "deep":
        depth = draw(DEPTHS)
        opener = draw(st.sampled_from(["[", '{"a":', '{"type":"event_callback","event":']))
        closer = {"[": "]", '{"a":': "}"}.get(opener, "}")
        closed = draw(st.booleans())
        content = (opener * depth + ("0" + closer * depth if closed else "")).encode()
        if draw(st.booleans()):
            content = b"payload=" + quote(content.decode()).encode()
    elif kind == "huge":
        content = b'{"type":"' + b"x" * draw(SIZES) + b'"}'
    elif kind == "form":
        content = draw(
            st.sampled_from(
                [
                    b"payload=%7Bbad",
                    b"payload=%FF%FE",
                    b"payload=",
                    b"payload",
                    b"=&=&&",
                    b"payload=null&payload=%7B%7D",
                    b"payload=%5B%5D",
                    b"payload=1e999",
                    b"payload=%22text%22",
                    b"%00=%00",
                    b"command=%2Fai-owner&text=%FF",
                ]
            )
        )
    else:
        whole = encode_json(slack.load_fixture("block_actions")).encode()
        content = whole[: draw(st.integers(0, len(whole) - 1))]
    return Body("raw", content, draw(_content_type(usual)))


# --- Slack ---------------------------------------------------------------------------------------

SLACK_USERS = st.sampled_from([USER_ID, USER_ID, "U0OTHER", ADMIN_USER, "W0ENTERPRISE"])
SLACK_TEAMS = st.sampled_from([TEAM_ID, TEAM_ID, TEAM_ID, "T0OTHER", "E0ORG"])
SLACK_CHANNELS = st.sampled_from([DM_CHANNEL, GENERAL_CHANNEL, "C0OTHER", "G0PRIVATE"])
# Mostly the fake's: a response URL no client can use costs 3 s a request (bolt loses the
# acknowledgement of a listener that fails at once after it, and answers 404 at the timeout).
RESPONSE_URLS = weighted(
    (16, st.just(API)),
    (1, st.sampled_from([CLOSED + "/response", "", "not a url", "http://[::1", "ftp://[::1]:9/"])),
)
COMMAND_WORDS = st.sampled_from(
    [
        "",
        "start",
        "restart",
        "help",
        "back",
        "skip",
        "why",
        "cancel",
        "summary",
        "ask how should we measure AI success?",
        "pulse",
        "pulse close",
        "pulse status",
        "pulse results",
        "pulse export",
        "pulse monthly",
        "pulse weekly 999999 days",
        "pulse every two weeks threshold 2",
        "pulse series",
        "pulse pause",
        "pulse pause 99999999999999999999",
        "pulse resume 1",
        "pulse stop #0",
        "pulse trend",
        "pulse compare",
        "reload",
        "knowledge",
        "forget me",
        "forget-me",
        "<@U0BOT> start",
        "a",
        "b",
        "the second one",
    ]
)
TEXTS = st.one_of(COMMAND_WORDS, COMMAND_WORDS, st.text(max_size=40), st.builds(huge, SIZES))


@st.composite
def answer_button(draw: st.DrawFn) -> tuple[str, str]:
    question = draw(st.one_of(st.sampled_from(sorted(QUESTIONS)), st.text(max_size=8)))
    option = draw(st.one_of(st.sampled_from(QUESTIONS.get(question, ("x",))), st.text(max_size=8)))
    action_id = f"{ids.ANSWER_PREFIX}{question}:{option}"
    value = draw(
        st.one_of(
            st.just(json.dumps({"q": question, "o": option})),
            st.just(json.dumps({"q": [question], "o": {}})),
            st.text(max_size=20),
            st.just("[]"),
            st.just("null"),
        )
    )
    return action_id, value


@st.composite
def button(draw: st.DrawFn) -> tuple[str, str]:
    """A button of ours (or almost): its action_id and value."""
    kind = draw(st.sampled_from(["answer", "answer", "command", "pulse", "other", "forget"]))
    if kind == "answer":
        return draw(answer_button())
    if kind == "command":
        name = draw(st.one_of(COMMAND_WORDS, st.text(max_size=8)))
        return f"{ids.COMMAND_PREFIX}{name}", draw(st.one_of(st.just(name), st.text(max_size=8)))
    survey = st.one_of(st.just(SURVEY), st.just(SURVEY), ODD_STRINGS, st.text(max_size=40))
    if kind == "pulse":
        action = draw(
            st.sampled_from(
                [
                    ids.PULSE_ANSWER_ACTION,
                    ids.PULSE_CLOSE_ACTION,
                    ids.PULSE_EXPORT_ACTION,
                    ids.PULSE_NUMBERS_ACTION,
                ]
            )
        )
        return action, draw(survey)
    if kind == "forget":
        return draw(st.sampled_from([CONFIRM_ACTION, CANCEL_ACTION])), draw(st.text(max_size=8))
    ours = [ids.SHARE_ACTION, ids.ASK_ACTION, ids.REPORT_ACTION]
    action = draw(st.one_of(st.sampled_from(ours), st.text()))
    return action, draw(st.text(max_size=20))


@st.composite
def block_actions(draw: st.DrawFn) -> dict[str, Any]:
    action_id, value = draw(button())
    if draw(st.booleans()):
        return slack.block_actions_payload(
            action_id,
            value,
            user_id=draw(SLACK_USERS),
            team_id=draw(SLACK_TEAMS),
            channel_id=draw(SLACK_CHANNELS),
            message_ts=draw(st.sampled_from([f"1700000000.{NTH}", f"1700000000.{NTH}", "1.2"])),
            response_url=draw(RESPONSE_URLS),
            trigger_id="1700000000.1.fuzz",
            container_type=draw(st.sampled_from(["message", "ephemeral"])),
        )
    return slack.home_actions_payload(
        action_id,
        value,
        user_id=draw(SLACK_USERS),
        team_id=draw(SLACK_TEAMS),
        private_metadata=draw(st.one_of(st.just(""), st.just(SURVEY), st.text(max_size=10))),
        trigger_id="1700000000.1.fuzz",
    )


def _option(value: Any) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": "x"}, "value": value}


@st.composite
def pulse_answer_values(draw: st.DrawFn) -> dict[str, Any]:
    """The answer modal's state: every pulse question, some, or others, with odd choices."""
    questions = draw(
        st.one_of(
            st.just(sorted(PULSE_QUESTIONS)),
            st.lists(st.sampled_from(sorted(QUESTIONS)), max_size=6),
            st.lists(st.text(max_size=6), max_size=3),
        )
    )
    values: dict[str, Any] = {}
    if draw(st.booleans()):  # as the modal submits them: each question answered
        for question, options in sorted(PULSE_QUESTIONS.items()):
            values[ids.pulse_question_block(question)] = {
                ids.PULSE_CHOICE_ACTION: {
                    "type": "radio_buttons",
                    "selected_option": _option(draw(st.sampled_from(options))),
                }
            }
        return values
    for question in questions:
        options = QUESTIONS.get(question, ("x",))
        choice = draw(st.one_of(st.sampled_from(options), st.sampled_from(options), SCALARS))
        selected = draw(
            st.one_of(
                st.just(_option(choice)),
                st.just(_option(choice)),
                st.just(None),
                ODD_VALUES,
            )
        )
        values[ids.pulse_question_block(question)] = {
            ids.PULSE_CHOICE_ACTION: {"type": "radio_buttons", "selected_option": selected}
        }
    return values


@st.composite
def pulse_launch_values(draw: st.DrawFn) -> dict[str, Any]:
    deadline = draw(
        st.one_of(
            st.sampled_from([1_800_000_000, 2_000_000_000, 0, -1, 10**15, 1_700_000_000]),
            SCALARS,
        )
    )
    threshold = draw(st.one_of(st.sampled_from(["5", "1", "0", "-3", "1e9", "", "x"]), SCALARS))
    remind = draw(st.one_of(st.just([_option(ids.PULSE_REMIND_VALUE)]), st.just([]), ODD_VALUES))
    repeat = draw(
        st.one_of(
            st.sampled_from(["once", "weekly", "biweekly", "monthly", "yearly", ""]).map(_option),
            ODD_VALUES,
        )
    )
    return {
        ids.PULSE_REPEAT_BLOCK: {
            ids.PULSE_REPEAT_ACTION: {"type": "static_select", "selected_option": repeat}
        },
        ids.PULSE_DEADLINE_BLOCK: {
            ids.PULSE_DEADLINE_ACTION: {"type": "datetimepicker", "selected_date_time": deadline}
        },
        ids.PULSE_THRESHOLD_BLOCK: {
            ids.PULSE_THRESHOLD_ACTION: {"type": "number_input", "value": threshold}
        },
        ids.PULSE_REMIND_BLOCK: {
            ids.PULSE_REMIND_ACTION: {"type": "checkboxes", "selected_options": remind}
        },
    }


@st.composite
def view_submission(draw: st.DrawFn) -> dict[str, Any]:
    callback = draw(
        st.sampled_from(
            [ids.PULSE_ANSWER_VIEW] * 4
            + [ids.PULSE_LAUNCH_VIEW] * 3
            + [ids.SHARE_VIEW, ids.ASK_VIEW, ids.PULSE_NOTICE_VIEW, "modal-identifier"]
        )
    )
    metadata = st.one_of(st.just(""), ODD_STRINGS, st.text(max_size=20))
    if callback == ids.PULSE_ANSWER_VIEW:
        values = draw(pulse_answer_values())
        metadata = st.one_of(st.just(SURVEY), st.just(SURVEY), metadata)
    elif callback == ids.PULSE_LAUNCH_VIEW:
        values = draw(pulse_launch_values())
        metadata = st.one_of(st.just(LAUNCH), st.just(LAUNCH), metadata)
    elif callback == ids.SHARE_VIEW:
        channel = draw(st.one_of(SLACK_CHANNELS, SCALARS))
        values = {
            ids.SHARE_CHANNEL_BLOCK: {
                ids.SHARE_CHANNEL_ACTION: {
                    "type": "conversations_select",
                    "selected_conversation": channel,
                }
            }
        }
    else:
        values = {
            ids.ASK_INPUT_BLOCK: {
                ids.ASK_INPUT_ACTION: {"type": "plain_text_input", "value": draw(TEXTS)}
            }
        }
    payload = slack.view_submission_payload(
        callback,
        values,
        user_id=draw(SLACK_USERS),
        team_id=draw(SLACK_TEAMS),
        private_metadata=draw(metadata),
        trigger_id="1700000000.1.fuzz",
    )
    payload["response_urls"] = draw(
        st.sampled_from([[], [{"response_url": API, "channel_id": GENERAL_CHANNEL}]])
    )
    return payload


@st.composite
def other_interaction(draw: st.DrawFn) -> dict[str, Any]:
    """Shortcuts and the interactions the bot has no listener for."""
    user = draw(SLACK_USERS)
    team = draw(SLACK_TEAMS)
    return {
        "type": draw(
            st.sampled_from(
                [
                    "shortcut",
                    "message_action",
                    "view_closed",
                    "block_suggestion",
                    "interactive_message",
                    "dialog_submission",
                    "workflow_step_edit",
                ]
            )
        ),
        "callback_id": draw(st.one_of(st.sampled_from([ids.ASK_VIEW, "x"]), st.text(max_size=8))),
        "trigger_id": "1700000000.1.fuzz",
        "action_id": draw(st.text(max_size=8)),
        "user": {"id": user, "team_id": team},
        "team": {"id": team, "domain": "acme"},
        "channel": {"id": draw(SLACK_CHANNELS)},
        "message": {"type": "message", "text": draw(TEXTS), "ts": "1700000000.000100"},
        "view": {"id": "V1", "type": "modal", "callback_id": "x", "state": {"values": {}}},
        "actions": [{"name": "x", "value": "y"}],
        "submission": {"a": "b"},
        "value": draw(st.text(max_size=8)),
        "token": "legacy-verification-token",
        "response_url": draw(RESPONSE_URLS),
    }


@st.composite
def interactions(draw: st.DrawFn) -> Body:
    """`payload=<json>`, as Slack posts button presses, modal submissions and shortcuts."""
    payload = draw(
        weighted((40, block_actions()), (45, view_submission()), (15, other_interaction()))
    )
    payload = draw(broken(localize_placeholders(payload)))
    if draw(st.integers(0, 9)) == 0:
        payload["type"] = draw(
            st.one_of(
                st.lists(SCALARS, max_size=2),
                st.dictionaries(st.text(max_size=3), SCALARS, max_size=2),
            )
        )  # unhashable
    fields: list[tuple[str, Any]] = [("payload", payload)]
    extra = draw(st.sampled_from(["none", "none", "none", "twice", "command", "junk"]))
    if extra == "twice":
        fields.append(("payload", draw(ODD_VALUES)))
    elif extra == "command":
        fields.extend([("command", "/ai-owner"), ("text", "start")])
    elif extra == "junk":
        fields.append((draw(st.text(max_size=5)), draw(st.text(max_size=5))))
    return Body("form", fields, draw(_content_type(FORM)))


def localize_placeholders(payload: dict[str, Any]) -> dict[str, Any]:
    """A builder's payload with any URL it did not take from us pointed at a closed port."""
    return {
        key: value if key in ("response_url", "response_urls") else localize(value)
        for key, value in payload.items()
    }


@st.composite
def slash_commands(draw: st.DrawFn) -> Body:
    fields = slack.slash_command_payload(
        draw(TEXTS),
        user_id=draw(SLACK_USERS),
        team_id=draw(SLACK_TEAMS),
        channel_id=draw(SLACK_CHANNELS),
        command=draw(st.sampled_from(["/ai-owner", "/ai-owner", "/other", "", "ai-owner"])),
        response_url=draw(RESPONSE_URLS),
        trigger_id="1700000000.1.fuzz",
    )
    pairs: list[tuple[str, Any]] = list(fields.items())
    for _ in range(draw(st.integers(0, 3))):
        how = draw(st.sampled_from(["delete", "replace", "repeat", "add"]))
        if not pairs:
            break
        index = draw(st.integers(0, len(pairs) - 1))
        name = pairs[index][0]
        if how == "delete":
            del pairs[index]
        elif how == "replace":
            pairs[index] = (name, draw(st.one_of(ODD_STRINGS, st.text(max_size=20))))
        elif how == "repeat":
            pairs.append((name, draw(st.one_of(ODD_STRINGS, TEXTS))))
        else:
            pairs.append((draw(st.text(max_size=8)), draw(st.text(max_size=8))))
    return Body("form", pairs, draw(_content_type(FORM)))


@st.composite
def slack_event(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["dm", "dm", "mention", "mention", "home", "uninstalled", "revoked", "bot", "other"]
        )
    )
    user = draw(SLACK_USERS)
    ts = "1700000000.000200"
    event: dict[str, Any]
    team = draw(SLACK_TEAMS)
    if kind == "dm":
        event = slack.dm_message(draw(TEXTS), user, draw(SLACK_CHANNELS), ts, team_id=team)
    elif kind == "mention":
        event = slack.app_mention(draw(TEXTS), user, draw(SLACK_CHANNELS), ts, team_id=team)
    elif kind == "home":
        event = slack.app_home_opened(user, draw(st.sampled_from(["home", "messages", ""])))
    elif kind in ("uninstalled", "revoked"):
        # Another workspace: uninstalling the one with the survey would end the survey's fuzzing.
        team = "T0OTHER"
        event = (
            slack.app_uninstalled()
            if kind == "uninstalled"
            else slack.tokens_revoked(["U0BOT"], [user])
        )
    elif kind == "bot":
        event = slack.bot_message(draw(TEXTS), ts=ts)
    else:
        event = {
            "type": draw(
                st.sampled_from(
                    ["reaction_added", "member_joined_channel", "message.channels", "team_join"]
                )
            ),
            "user": user,
            "event_ts": ts,
        }
    if draw(st.integers(0, 4)) == 0:
        event["subtype"] = draw(
            st.sampled_from(
                ["message_changed", "message_deleted", "file_share", "thread_broadcast"]
            )
        )
    envelope = slack.event_envelope(
        event,
        team_id=team,
        event_id=draw(st.sampled_from([f"Ev{NTH}", f"Ev{NTH}", "Ev01"]) | st.text(max_size=12)),
        event_time=1_700_000_000,
    )
    localized: dict[str, Any] = localize(envelope)
    return localized


@st.composite
def events(draw: st.DrawFn) -> Body:
    """Events API bodies: event callbacks and URL verifications."""
    if draw(st.integers(0, 4)) == 0:
        payload: Any = {
            "token": "legacy-verification-token",
            "challenge": draw(st.one_of(st.text(max_size=20), ODD_VALUES)),
            "type": "url_verification",
        }
    else:
        payload = draw(slack_event())
    payload = draw(broken(payload))
    if draw(st.integers(0, 9)) == 0:
        payload = draw(st.sampled_from([[payload], None, 5, "event_callback"]))
    return Body("json", payload, draw(_content_type(JSON)), draw(st.booleans()))


SLACK_BODIES = weighted(
    (45, interactions()), (15, slash_commands()), (25, events()), (15, raw_bodies(FORM))
)


@dataclass(frozen=True)
class Signing:
    """How a Slack request is signed. `how` is "good" (the real secret, the time now) or one of
    the ways it is refused: "none", "forged", "stale", "odd-timestamp", "other-secret",
    "other-body"."""

    how: str
    timestamp: str = ""  # for odd-timestamp: the header's value
    offset: int = 0  # for stale: seconds from now
    forged: str = ""  # for forged: the signature sent

    @property
    def signed(self) -> bool:
        return self.how == "good"


def _odd_timestamp() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "",
                "soon",
                "1e9",
                "-1",
                "+{now}",
                " {now}",
                "{now} ",
                "{now}.0",
                "0x1",
                "{arabic}",  # the time now in Arabic-Indic digits: int() reads it, Slack never
                "9" * 13,
                "9" * 40,
                "NaN",
            ]
        ),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=15).filter(
            lambda s: not s.isdigit()
        ),
    )


SIGNINGS = st.one_of(
    # Most requests signed, the ones that are parsed (distinct strategies: one_of drops repeats)
    *[st.just(Signing("good")) for _ in range(14)],
    st.just(Signing("none")),
    st.builds(
        Signing,
        st.just("forged"),
        forged=st.one_of(
            st.sampled_from(["", "v0=", "v0=" + "0" * 64, "{upper}", "{v1}", "{longer}"]),
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=70),
        ),
    ),
    st.builds(
        Signing,
        st.just("stale"),
        offset=st.one_of(
            st.sampled_from([301, -301, 3600, -86_400, 10**9, -(10**9)]),
            st.integers(301, 10**11),
            st.integers(-(10**9), -301),
        ),
    ),
    st.builds(Signing, st.just("odd-timestamp"), timestamp=_odd_timestamp()),
    st.just(Signing("other-secret")),
    st.just(Signing("other-body")),
)


@dataclass(frozen=True)
class SlackCase:
    body: Body
    signing: Signing
    retry: str | None  # an X-Slack-Retry-Num header, when not None


SLACK_CASES = st.builds(
    SlackCase,
    SLACK_BODIES,
    SIGNINGS,
    st.one_of(st.none(), st.none(), st.none(), st.sampled_from(["1", "2", "x", "-1", "99999"])),
)


def sign(secret: str, body: bytes, timestamp: str) -> str:
    """Slack's signature of any bytes with any timestamp header (slack_sdk's own signer decodes
    the body as UTF-8, so it cannot sign the bodies that are not)."""
    base = b"v0:" + timestamp.encode("utf-8", "surrogatepass") + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_headers(case: SlackCase, body: bytes, now: int, secret: str) -> dict[str, str]:
    """The request headers of `case`: signed with `secret` at `now`, or refused."""
    signing = case.signing
    headers = {"Content-Type": case.body.content_type, "User-Agent": slack.SLACK_USER_AGENT}
    if not case.body.content_type:
        del headers["Content-Type"]
    if case.retry is not None:
        headers.update({"X-Slack-Retry-Num": case.retry, "X-Slack-Retry-Reason": "http_timeout"})
    stamp = str(now)
    if signing.how == "none":
        return headers
    if signing.how == "good":
        signature = sign(secret, body, stamp)
    elif signing.how == "forged":
        right = sign(secret, body, stamp)
        signature = (
            signing.forged.replace("{upper}", right.upper())
            .replace("{v1}", "v1=" + right[3:])
            .replace("{longer}", right + "0")
        )
    elif signing.how == "stale":
        stamp = str(now + signing.offset)
        signature = sign(secret, body, stamp)
    elif signing.how == "odd-timestamp":
        arabic = "".join(chr(0x660 + int(d)) for d in str(now))
        stamp = signing.timestamp.replace("{now}", str(now)).replace("{arabic}", arabic)
        signature = sign(secret, body, stamp)
    elif signing.how == "other-secret":
        signature = sign("another-signing-secret", body, stamp)
    else:
        signature = sign(secret, body + b" ", stamp)
    headers.update({"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature})
    return headers


# --- Teams ---------------------------------------------------------------------------------------

TEAMS_FIXTURES = (
    "message_personal",
    "message_personal",
    "message_personal_card_submit",
    "message_personal_card_submit",
    "message_channel_mention",
    "message_group_chat_mention",
    "conversation_update_members_added_personal",
    "conversation_update_members_added_team",
    "installation_update_personal",
    "invoke_file_consent",
)
SERVICE_URLS = st.sampled_from(
    [
        CONNECTOR,
        CONNECTOR,
        CONNECTOR,
        CONNECTOR + "/",
        CONNECTOR + "?x=1#f",
        CLOSED,
        CLOSED + "/",
        "http://127.0.0.1:9/",
        "not a url",
        "ftp://127.0.0.1:9/",
        "http://127.0.0.1:0/",
        "http://[::1]:9/",
        # A connector that answers the reply with an error (the fake at a path it does not
        # serve: 404), and a URL urljoin cannot parse (test_teams_malformed_fuzzed.py).
        CONNECTOR + "/some/path/",
        CONNECTOR + "/" + "a" * 5000,
        "http://[::1",
    ]
)

SUBMIT_KINDS = st.sampled_from(
    [
        "answer",
        "command",
        "ask",
        "pulse_answer",
        "pulse_close",
        "pulse_send",
        "pulse_compare",
        "forget",
        "forget_cancel",
        "report",
        "other",
    ]
)


@st.composite
def submit_value(draw: st.DrawFn) -> dict[str, Any]:
    """What an Adaptive Card button of ours sends back, or nearly."""
    question = draw(st.sampled_from(sorted(QUESTIONS)))
    value: dict[str, Any] = {
        "advisor": draw(SUBMIT_KINDS),
        "q": question,
        "o": draw(st.sampled_from(QUESTIONS[question])),
        "name": draw(COMMAND_WORDS),
        "s": draw(st.sampled_from([SURVEY, "0" * 32, "x"])),
        "question": draw(TEXTS),
    }
    for pulse_question, options in PULSE_QUESTIONS.items():
        value[f"pulse_q:{pulse_question}"] = draw(st.sampled_from(options))
    return value


@st.composite
def activities(draw: st.DrawFn) -> Body:
    name = draw(st.sampled_from(TEAMS_FIXTURES))
    activity = localize(teams.load_fixture(name))
    activity["serviceUrl"] = draw(SERVICE_URLS)
    activity["id"] = draw(
        st.sampled_from([f"17000{NTH}", f"17000{NTH}", "1700000000000"]) | st.text(max_size=8)
    )
    if "text" in activity or draw(st.booleans()):
        activity["text"] = draw(TEXTS)
    if "value" in activity and name != "invoke_file_consent":
        activity["value"] = draw(submit_value())
    if name == "invoke_file_consent":
        info = activity["value"].get("uploadInfo", {})
        info["uploadUrl"] = draw(st.sampled_from([CLOSED + "/upload", CONNECTOR + "/upload", ""]))
        contexts = [{"s": SURVEY}, {"s": "x"}, {"purpose": "report"}, {"purpose": ["report"]}]
        activity["value"]["context"] = draw(st.sampled_from(contexts))
    if draw(st.integers(0, 3)) == 0:
        activity["from"]["aadObjectId"] = draw(st.sampled_from([None, ADMIN_USER, "a" * 300]))
    if draw(st.integers(0, 3)) == 0:
        # A recurring pulse runs in the launcher's timezone: odd, hostile and huge ones.
        activity["localTimezone"] = draw(
            st.sampled_from(
                [None, "", "Mars/Base", "../../etc/passwd", "a" * 5000, "Europe/Paris\x00", 7]
            )
            | st.text(max_size=40)
        )
    # Never without a serviceUrl: the SDK would reply to https://api.botframework.com instead.
    activity = draw(broken(activity, max_changes=5, keep=frozenset({"serviceUrl"})))
    return Body("json", activity, draw(_content_type(JSON)), draw(st.booleans()))


TEAMS_BODIES = st.one_of(activities(), activities(), activities(), raw_bodies(JSON))


# --- the admin endpoint --------------------------------------------------------------------------

ADMIN_METHODS = st.sampled_from(
    ["GET"] * 4 + ["POST"] * 4 + ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
)
ADMIN_PATHS = weighted(
    (70, st.sampled_from([RELOAD_PATH, STATUS_PATH, RELOAD_PATH + "?force=1&x=%FF"])),
    (
        20,
        st.sampled_from(
            [
                RELOAD_PATH + "/",
                STATUS_PATH + "/",
                "/admin",
                "/admin/",
                "/ADMIN/knowledge",
                "/admin/knowledge/%2e%2e/knowledge/reload",
                "/admin//knowledge",
                "/admin/knowledge/reload/../reload",
                "/admin/knowledge;reload",
                "/admin/%00",
            ]
        ),
    ),
    (
        10,
        st.text(
            alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="?#%"),
            max_size=30,
        ).map(lambda tail: "/admin/" + tail),
    ),
)
TOKEN_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
AUTHORIZATIONS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            "Bearer",
            "Bearer ",
            "Bearer  ",
            f"Bearer {ADMIN_TOKEN}x",
            f"Bearer {ADMIN_TOKEN[:-1]}",
            f"Basic {ADMIN_TOKEN}",
            ADMIN_TOKEN,
            f"Bearer {ADMIN_TOKEN.upper()}",
            "Bearer " + "x" * 8000,
            f"Bearer\t{ADMIN_TOKEN}",
        ]
    ),
    TOKEN_TEXT.map(lambda token: "Bearer " + token),
    TOKEN_TEXT,
)
RIGHT_TOKENS = st.sampled_from(
    [f"Bearer {ADMIN_TOKEN}", f"bearer {ADMIN_TOKEN}", f"BEARER  {ADMIN_TOKEN} "]
)


@dataclass(frozen=True)
class AdminCase:
    method: str
    path: str
    authorization: str | None
    body: Body

    @property
    def authorized(self) -> bool:
        scheme, _, token = (self.authorization or "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() == ADMIN_TOKEN


ADMIN_BODIES = st.one_of(
    st.just(Body("raw", b"", "")),
    st.just(Body("raw", b"", "")),
    raw_bodies(JSON),
    st.builds(Body, st.just("json"), ODD_VALUES, st.sampled_from(CONTENT_TYPES)),
)


@st.composite
def admin_cases(draw: st.DrawFn) -> AdminCase:
    """Wrong tokens mostly, to any method and path under /admin/; the right one seldom (a
    reload takes a second or two), then mostly to the endpoints it opens."""
    authorization = draw(weighted((24, AUTHORIZATIONS), (1, RIGHT_TOKENS)))
    method, path = draw(ADMIN_METHODS), draw(ADMIN_PATHS)
    if authorization in (f"Bearer {ADMIN_TOKEN}", f"bearer {ADMIN_TOKEN}") and draw(st.booleans()):
        method, path = draw(st.sampled_from([("POST", RELOAD_PATH), ("GET", STATUS_PATH)]))
    return AdminCase(method, path, authorization, draw(ADMIN_BODIES))


ADMIN_CASES = admin_cases()
