"""Anonymous keys for pulse surveys.

A respondent key is HMAC-SHA256(secret, platform, workspace, survey, user): the same person
gets the same key within one survey (so answering again replaces their answer, and a double
click counts once), a different key in every other survey (so answers cannot be linked across
surveys), and without the secret, which never reaches the database, nobody can tell whose key
it is, not even by hashing every member's id. The launcher key works the same way without the
survey, so a launcher can be recognised on any of their surveys and named in none. A member
key (who answered or was reminded, for reminders) has a label of its own, for the same survey
and person: it cannot be joined with the respondent key of the answer.
"""

from __future__ import annotations

import hashlib
import hmac

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

    def _digest(self, purpose: bytes, *parts: str) -> str:
        message = _SEPARATOR.join([purpose, *(part.encode() for part in parts)])
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
