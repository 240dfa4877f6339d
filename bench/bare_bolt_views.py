"""The baseline of `bench.pulse_burst`: a bare slack-bolt app that acknowledges every modal
submission with `response_action: update` and a fixed view, and touches no database.

bench/bare_bolt_app.py (its `only_ack` listener for every action, the same aiohttp routes and
bolt adapter functions as bot/server.py) plus one `app.view` listener for every callback id.
The view comes from a JSON file the benchmark writes: the very view the advisor answered its
first warm-up submission with, so both answers have the same size.

    SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... SLACK_API_URL=http://127.0.0.1:PORT/api/ \
        python -m bench.bare_bolt_views --view view.json --host 127.0.0.1 --port 3001
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.context.ack.async_ack import AsyncAck

from bench.bare_bolt_app import build_bolt_app, build_web_app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a slack-bolt app that only acks, views too")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--view", type=Path, required=True, help="the view to answer with")
    args = parser.parse_args(argv)
    view: dict[str, Any] = json.loads(args.view.read_text(encoding="utf-8"))
    bolt = build_bolt_app(
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_API_URL"],
    )

    async def ack_with_view(ack: AsyncAck) -> None:
        await ack(response_action="update", view=view)

    bolt.view(re.compile(".*"))(ack_with_view)
    web.run_app(build_web_app(bolt), host=args.host, port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
