"""Anonymous keys for pulse surveys.

A respondent key is HMAC-SHA256(secret, platform, workspace, survey, user): the same person
gets the same key within one survey (so answering again replaces their answer, and a double
click counts once), a different key in every other survey (so answers cannot be linked across
surveys), and without the secret, which never reaches the database, nobody can tell whose key
it is, not even by hashing every member's id. The launcher key works the same way without the
survey, so a launcher can be recognised on any of their surveys and named in none. A member
key (who answered or was reminded, for reminders) has a label of its own, for the same survey
and person: it cannot be joined with the respondent key of the answer. The one person a
series must be able to reach again, its launcher, is stored sealed (`seal`): encrypted with a
key derived from the same secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_SEPARATOR = b"\x1f"  # cannot occur in platform ids, so ("a", "bc") never hashes like ("ab", "c")


class PulseKeys:
    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the survey secret must not be empty")
        self._secret = secret

    def respondent(self, platform: str, workspace: str, survey_id: str, user: str) -> str:
        return self._digest(b"respondent", platform, workspace, survey_id, user)

    def member(self, platform: str, workspace: str, survey_id: str, user: str) -> str:
        """The key of a person's reminder mark (`storage.reminders`): "has answered" or "was
        reminded". Its own label, so it is never equal to, nor computable from, the respondent
        key that stores their answer."""
        return self._digest(b"member", platform, workspace, survey_id, user)

    def launcher(self, platform: str, workspace: str, user: str) -> str:
        return self._digest(b"launcher", platform, workspace, user)

    def seal(self, text: str, context: str) -> str:
        """`text` encrypted (AES-GCM, with a key derived from the secret), bound to `context`
        (a series id): for the one thing the bot must read back but the database must not
        show, a series' launcher, whom it tells when the series pauses itself."""
        nonce = os.urandom(12)
        sealed = self._sealer().encrypt(nonce, text.encode(), context.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def unseal(self, sealed: str, context: str) -> str | None:
        """What `seal` sealed, or None when it was not sealed with this secret and context."""
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            return self._sealer().decrypt(raw[:12], raw[12:], context.encode()).decode()
        except (binascii.Error, ValueError, InvalidTag, UnicodeDecodeError):
            return None

    def _sealer(self) -> AESGCM:
        return AESGCM(hmac.new(self._secret, b"sealing key", hashlib.sha256).digest())

    def _digest(self, purpose: bytes, *parts: str) -> str:
        message = _SEPARATOR.join([purpose, *(part.encode() for part in parts)])
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
