"""The Slack app manifests ask for exactly what the code uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.handlers.slack.app import BOT_SCOPES, EVENTS_PATH, REDIRECT_PATH
from bot.handlers.slack.dispatch import SLASH_COMMAND

MANIFESTS = Path(__file__).resolve().parents[2] / "manifests"
EVENTS = {"app_home_opened", "app_mention", "message.im", "app_uninstalled", "tokens_revoked"}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((MANIFESTS / name).read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", ["slack.yml", "slack-socket-mode.yml"])
def test_scopes_events_and_command(name: str) -> None:
    manifest = load(name)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == EVENTS
    assert manifest["features"]["slash_commands"][0]["command"] == SLASH_COMMAND
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_http_mode_points_every_url_at_one_endpoint() -> None:
    manifest = load("slack.yml")
    assert manifest["settings"]["socket_mode_enabled"] is False
    urls = [
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
        manifest["features"]["slash_commands"][0]["url"],
    ]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert manifest["oauth_config"]["redirect_urls"][0].endswith(REDIRECT_PATH)


def test_socket_mode_manifest_has_no_urls() -> None:
    manifest = load("slack-socket-mode.yml")
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert "url" not in manifest["features"]["slash_commands"][0]
