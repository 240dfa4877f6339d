"""Survey answers (the answer modal's submission) served without bolt's listener runner.

A submitted answer must be written before it is acknowledged (a person who sees "thanks" has
been counted), so its acknowledgement carries the work. Through bolt, every submission also
pays bolt's dispatch and its ack polling (bolt checks every 10 ms whether the listener has
acknowledged), and under a burst bolt gives up after three seconds and answers "unhandled
request" (Slack shows an error) for answers that were saved all the same. Here (the signature
already checked by `SignedRequests`, as for every request of the route) the same function runs
(`SlackPulse.submit_answers`), and what it returns is the HTTP answer.

Only this one kind of request takes the short path; every other one goes through bolt.
"""

from __future__ import annotations

import json

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.handlers.slack import ids
from bot.handlers.slack.pulse import SlackPulse


class FastAnswers:
    def __init__(self, pulse: SlackPulse) -> None:
        self._pulse = pulse

    def takes(self, request: AsyncBoltRequest) -> bool:
        """A submission of a survey's answer modal (a request `SignedRequests` let in)."""
        body = request.body
        view = body.get("view")
        return (
            body.get("type") == "view_submission"
            and isinstance(view, dict)
            and view.get("callback_id") == ids.PULSE_ANSWER_VIEW
        )

    async def answer(self, request: AsyncBoltRequest) -> web.Response:
        """The answer with the context bolt built from the request (workspace, user)."""
        acknowledgement = await self._pulse.submit_answers(request.body["view"], request.context)
        return web.Response(
            status=200,
            body=json.dumps(acknowledgement, ensure_ascii=False),
            content_type="application/json",
        )
