"""The one fake Slack workspace every fake and fixture agrees on.

Kept in one module so a test can name the bot's user id or the default channel without
repeating string literals that must match `testing/fixtures/slack/*.json` and the fake Web API.
"""

from __future__ import annotations

from pathlib import Path

TEAM_ID = "T0001"
TEAM_DOMAIN = "acme"
TEAM_NAME = "Acme"
APP_ID = "A0001"
BOT_ID = "B0001"
BOT_USER_ID = "U0BOT"
USER_ID = "U0USER"
USER_NAME = "ada"
GENERAL_CHANNEL = "C0GENERAL"
DM_CHANNEL = "D0USER"
VERIFICATION_TOKEN = "legacy-verification-token"

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
