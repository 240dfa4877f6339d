"""The admin endpoints, for `advisor knowledge reload` and scripts: served only when ADMIN_TOKEN
is set, and only to requests that carry it (`Authorization: Bearer <ADMIN_TOKEN>`).

    POST /admin/knowledge/reload   reload this process's knowledge folder: 200 with the new
                                   version, 422 with every error (the old version keeps serving)
    GET  /admin/knowledge          the version in use, when and by whom it was loaded, counts,
                                   and the errors of a later failed reload

A missing or wrong token gets 401, and is audited like any refused admin action. The token is
compared in constant time (as SHA-256 digests, so not even its length shows in the timing).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from aiohttp import web

from bot.admin.live import Actor
from bot.admin.refusals import RefusalWindows
from bot.admin.service import RELOAD, TOKEN_ACTOR, VIEW, KnowledgeAdmin, KnowledgeStatus
from bot.views import catalogue
from storage.admin import KnowledgeLoadRecord

log = logging.getLogger(__name__)

RELOAD_PATH = "/admin/knowledge/reload"
STATUS_PATH = "/admin/knowledge"
REFUSED_ACTOR = Actor(TOKEN_ACTOR.platform, "invalid-token")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="advisor admin"'}


class AdminEndpoint:
    def __init__(self, admin: KnowledgeAdmin, token: str) -> None:
        self._admin = admin
        self._digest = _digest(token)
        self._refusals = RefusalWindows(self._audit_refusals)

    def routes(self) -> list[web.RouteDef]:
        return [web.post(RELOAD_PATH, self.reload), web.get(STATUS_PATH, self.status)]

    async def reload(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return await self._refuse(request, RELOAD)
        try:
            result = await self._admin.reload(TOKEN_ACTOR)
        except Exception:
            log.exception("knowledge reload by the admin endpoint failed")
            return web.json_response({"ok": False, "error": catalogue.SORRY}, status=500)
        body = {
            "ok": result.ok,
            "version": result.version,
            "previous": result.previous,
            "changed": result.changed,
            "counts": result.counts,
            "errors": list(result.errors),
        }
        return web.json_response(body, status=200 if result.ok else 422)

    async def status(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return await self._refuse(request, VIEW)
        try:
            status = await self._admin.status(TOKEN_ACTOR)
        except Exception:
            log.exception("knowledge status for the admin endpoint failed")
            return web.json_response({"ok": False, "error": catalogue.SORRY}, status=500)
        return web.json_response(status_json(status))

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        return hmac.compare_digest(_digest(token.strip()), self._digest)

    async def close(self) -> None:
        await self._refusals.close()

    async def _refuse(self, request: web.Request, action: str) -> web.Response:
        wait = await self._refusals.refuse(request.remote or "unknown", action)
        if wait is not None:
            return web.json_response(
                {"ok": False, "error": "too many refused calls: wait and try again"},
                status=429,
                headers={"Retry-After": str(int(wait))},
            )
        return web.json_response(
            {"ok": False, "error": "missing or wrong admin token"}, status=401, headers=_CHALLENGE
        )

    async def _audit_refusals(self, action: str, count: int) -> None:
        if count == 1:
            await self._admin.refused(REFUSED_ACTOR, action)
        else:
            await self._admin.refused(REFUSED_ACTOR, action, repeats=count)


def status_json(status: KnowledgeStatus) -> dict[str, Any]:
    return {
        "ok": True,
        "version": status.version,
        "counts": status.counts,
        "active": None if status.active is None else _load_json(status.active),
        "failed_since": None if status.failed_since is None else _load_json(status.failed_since),
    }


def _load_json(load: KnowledgeLoadRecord) -> dict[str, Any]:
    return {
        "id": load.id,
        "loaded_at": load.loaded_at.isoformat(),
        "platform": load.platform,
        "workspace": load.workspace,
        "actor": load.actor,
        "outcome": load.outcome.value,
        "version": load.version,
        "counts": load.counts,
        "errors": list(load.errors),
    }


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
