"""The malformed and refused requests of the memory benchmark: unsigned, forged, stale, deep,
oversized and wrongly shaped Slack bodies, Teams activities no handler can take, wrong admin
tokens and unknown HTTP methods. Every one is answered and none may be kept."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlencode

from bench.traffic.requests import (
    ADMIN_TOKEN,
    EVENTS_PATH,
    FORM,
    JSON_TYPE,
    Request,
    RequestBuilder,
    TeamsPerson,
    teams_request,
)
from bot.admin.http import RELOAD_PATH, STATUS_PATH
from testing.fakes.slack_requests import event_envelope, slash_command_payload


class MalformedRequests(RequestBuilder):
    """Builds the requests that must be refused, each kind in turn."""

    def _slack_malformed(self, number: int, index: int) -> Request:
        n = self._next()
        kinds = (
            "unsigned garbage",
            "forged signature",
            "stale timestamp",
            "odd timestamp",
            "signed garbage",
            "signed invalid utf-8",
            "signed deep json",
            "signed deep payload",
            "signed bad payload",
            "signed wrong shape",
            "signed unknown event",
            "signed unknown command",
        )
        kind = kinds[index % len(kinds)]
        label = f"slack malformed: {kind}"
        if index % 97 == 96:  # now and then, a body over the server's 1 MiB limit
            body = b"x" * (1024 * 1024 + 100)
            return Request(
                "slack malformed: oversized",
                "POST",
                EVENTS_PATH,
                body,
                self.signer.headers(body, FORM),
            )
        user = f"UX{number:02d}{index:05d}"
        start = urlencode(slash_command_payload("start", user_id=user)).encode()
        if kind == "unsigned garbage":
            return Request(
                label, "POST", EVENTS_PATH, self.random.randbytes(200), {"Content-Type": FORM}
            )
        if kind == "forged signature":
            headers = {**self.signer.headers(start, FORM), "X-Slack-Signature": "v0=" + "0" * 64}
            return Request(label, "POST", EVENTS_PATH, start, headers)
        if kind == "stale timestamp":
            stale = str(int(time.time()) - 3600)
            return Request(
                label, "POST", EVENTS_PATH, start, self.signer.headers(start, FORM, timestamp=stale)
            )
        if kind == "odd timestamp":
            odd = ("1e9", "-5", "\u0663\u0663", "9" * 40, "")[n % 5]
            headers = {**self.signer.headers(start, FORM), "X-Slack-Request-Timestamp": odd}
            return Request(label, "POST", EVENTS_PATH, start, headers)
        if kind == "signed garbage":
            body = self.random.randbytes(300)
            return Request(label, "POST", EVENTS_PATH, body, self.signer.headers(body, FORM))
        if kind == "signed invalid utf-8":
            body = b'{"type":"event_callback","event":{"type":"message","text":"\xff\xfe\xc3"}}'
            return Request(label, "POST", EVENTS_PATH, body, self.signer.headers(body, JSON_TYPE))
        if kind == "signed deep json":
            depth = (900, 5000, 20_000)[n % 3]
            body = b'{"type":"event_callback","event":' + b"[" * depth + b"]" * depth + b"}"
            return Request(label, "POST", EVENTS_PATH, body, self.signer.headers(body, JSON_TYPE))
        if kind == "signed deep payload":
            deep = '{"type":"block_actions","actions":' + "[" * 5000 + "]" * 5000 + "}"
            body = ("payload=" + quote(deep)).encode()
            return Request(label, "POST", EVENTS_PATH, body, self.signer.headers(body, FORM))
        if kind == "signed bad payload":
            body = b"payload=%7Bbad" + str(n).encode()
            return Request(label, "POST", EVENTS_PATH, body, self.signer.headers(body, FORM))
        if kind == "signed wrong shape":
            shapes: tuple[Any, ...] = (
                [],
                {"type": 5},
                {"type": "block_actions", "actions": "x", "user": {"id": user}},
                {"type": "view_submission", "view": [], "user": {}},
                {"type": "event_callback", "event": {"type": ["message"]}},
                {"command": {"x": 1}},
            )
            return self._slack_json(label, shapes[n % len(shapes)])
        if kind == "signed unknown event":
            event = {
                "type": "reaction_added",
                "user": user,
                "reaction": self._word(),
                "event_ts": str(n),
            }
            return self._slack_json(label, event_envelope(event))
        fields = slash_command_payload(self._word(), user_id=user, command=f"/{self._word()}")
        return self._slack_form(label, fields)

    async def _teams_malformed(self, number: int, index: int) -> Request:
        n = self._next()
        kinds = (
            "not json",
            "invalid utf-8",
            "json array",
            "deep json",
            "wrong types",
            "no type",
            "unknown type",
            "no conversation",
            "unreadable submit",
            "huge text",
            "unknown serviceUrl",
        )
        kind = kinds[index % len(kinds)]
        label = f"teams malformed: {kind}"
        person = TeamsPerson(f"29:bad-{number}-{index}", f"a:bad-{number}-{index}")
        if kind == "not json":
            return teams_request(label, b"{garbage " + self.random.randbytes(64))
        if kind == "invalid utf-8":
            return teams_request(label, b'{"type":"message","text":"\xff\xfe\xc3"}')
        if kind == "json array":
            return teams_request(label, b"[]")
        if kind == "deep json":
            depth = (900, 5000, 20_000)[n % 3]
            return teams_request(
                label, b'{"type":"message","value":' + b"[" * depth + b"]" * depth + b"}"
            )
        if kind == "huge text":
            return await self._teams_personal(label, person, self._word() * 8000)
        if kind == "unknown serviceUrl":
            # A serviceUrl never seen before, answering 404: the connector clients kept per
            # service URL must stay bounded.
            url = f"{self.connector.base_url}/r{number}i{index}/"
            return await self._teams_personal(label, person, "start", service_url=url)
        activity = json.loads((await self._teams_personal(label, person, "hello")).body)
        if kind == "wrong types":
            activity["from"] = "x" if n % 2 else {"id": 5}
        elif kind == "no type":
            del activity["type"]
        elif kind == "unknown type":
            activity["type"] = self._word()
        elif kind == "no conversation":
            del activity["conversation"]
        else:  # unreadable submit: our key, values of the wrong type
            activity.pop("text", None)
            activity["value"] = {"advisor": "answer", "q": n, "o": [self._word()]}
        return teams_request(label, activity)

    def _admin_refused(self, index: int) -> Request:
        n = self._next()
        tokens = (
            None,
            f"Bearer wrong-token-{n}",
            "Basic Zm9vOmJhcg==",
            "Bearer " + "x" * 5000,
            f"bearer {ADMIN_TOKEN[:-1]}",
        )
        token = tokens[index % len(tokens)]
        headers = {} if token is None else {"Authorization": token}
        if index % 2:
            return Request("admin refused: reload", "POST", RELOAD_PATH, b"", headers)
        return Request("admin refused: status", "GET", STATUS_PATH, b"", headers)

    def _odd_method(self, number: int, index: int) -> Request:
        return Request("odd method", f"PROBE{number}X{index}", f"/nowhere/{self._next()}", b"", {})
