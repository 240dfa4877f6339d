"""OneDrive's end of the Teams file consent flow: the upload sessions a bot PUTs files into.

When a person allows a file a bot offered, Teams creates it in their OneDrive and hands the bot
an upload URL (`uploadInfo.uploadUrl` of the `fileConsent/invoke`). This serves such URLs on
127.0.0.1 and records what arrives. Answers follow OneDrive's "upload bytes to the upload
session", for a file sent in one range (all the bot ever sends): a PUT whose `Content-Range`
covers the whole file, with a body of that length, completes it, 201 Created with the drive
item; a missing or malformed range is answered 400, one that is not the whole file 416 (this
double keeps no partial files), a session already completed or never opened 404.

    async with FakeOneDrive() as drive:
        url = drive.upload_url("team-pulse.csv")
        ... the bot PUTs there ...
        [upload] = drive.uploads
"""

from __future__ import annotations

import re
import uuid
from collections import deque
from contextlib import AsyncExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import web

from testing.fakes.local_server import local_server

CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


@dataclass(frozen=True)
class Upload:
    """One PUT to an upload session, whatever it was answered."""

    session: str
    name: str
    content_range: str
    authorization: str | None
    body: bytes
    status: int


class FakeOneDrive:
    def __init__(self) -> None:
        self.uploads: list[Upload] = []
        self._names: dict[str, str] = {}  # session id -> file name
        self._failures: deque[int] = deque()
        self._stack = AsyncExitStack()
        self._root: str | None = None

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_put("/uploadSession/{session}", self._put)
        self._root = await self._stack.enter_async_context(local_server(app))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

    def upload_url(self, name: str) -> str:
        """A new upload session for a file called `name`, as Teams would open one."""
        if self._root is None:
            raise RuntimeError("FakeOneDrive is not running: use `async with FakeOneDrive()`")
        session = uuid.uuid4().hex
        self._names[session] = name
        return f"{self._root}/uploadSession/{session}?guid={uuid.uuid4()}"

    def fail_next(self, status: int) -> None:
        """Answer the next PUT with `status` (a 5xx, an expired session's 404)."""
        self._failures.append(status)

    async def _put(self, request: web.Request) -> web.Response:
        session = request.match_info["session"]
        body = await request.read()
        content_range = request.headers.get("Content-Range", "")
        status = self._status(session, content_range, len(body))
        self.uploads.append(
            Upload(
                session,
                self._names.get(session, ""),
                content_range,
                request.headers.get("Authorization"),
                body,
                status,
            )
        )
        if status != 201:
            return web.json_response({"error": {"code": "invalidRequest"}}, status=status)
        item = {"id": uuid.uuid4().hex.upper(), "name": self._names[session], "size": len(body)}
        self._names.pop(session)  # a completed session takes no more bytes
        return web.json_response(item, status=201)

    def _status(self, session: str, content_range: str, length: int) -> int:
        if self._failures:
            return self._failures.popleft()
        if session not in self._names:
            return 404
        match = CONTENT_RANGE.fullmatch(content_range)
        if match is None:
            return 400
        first, last, total = (int(part) for part in match.groups())
        if first != 0 or last != total - 1 or length != total:
            return 416
        return 201
