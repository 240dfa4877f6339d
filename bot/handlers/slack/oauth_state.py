"""OAuth `state` values that any server process can check: signed with SLACK_STATE_SECRET,
valid for ten minutes, and usable once (the nonce is recorded as a delivery in the database)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from storage.conversations import ConversationStore

STATE_LIFETIME_SECONDS = 600


class SignedStateStore(AsyncOAuthStateStore):
    def __init__(
        self,
        secret: str,
        repository: ConversationStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = secret.encode()
        self._repository = repository
        self._clock = clock
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        payload = f"{secrets.token_urlsafe(16)}.{int(self._clock())}"
        return f"{payload}.{self._sign(payload)}"

    async def async_consume(self, state: str) -> bool:
        nonce, issued, signature = [*state.split("."), "", "", ""][:3]
        payload = f"{nonce}.{issued}"
        if not hmac.compare_digest(signature, self._sign(payload)) or not issued.isdigit():
            self._logger.info("oauth state rejected: bad signature")
            return False
        if self._clock() - int(issued) > STATE_LIFETIME_SECONDS:
            self._logger.info("oauth state rejected: expired")
            return False
        first = await self._repository.record_delivery(
            f"slack:oauth-state:{nonce}", datetime.now(UTC)
        )
        if not first:
            self._logger.info("oauth state rejected: already used")
        return first

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
