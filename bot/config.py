"""Typed settings, read once from the environment and an optional `.env` file."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.knowledge.paths import default_knowledge_dir


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it and says what to do."""


# A shorter ADMIN_TOKEN is refused: it guards an endpoint anyone who can reach the server can try.
MIN_ADMIN_TOKEN = 16


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Where conversations and results are kept. SQLite by default; PostgreSQL for several
    # processes (`postgres://`, `postgresql://` and the async forms are all accepted).
    database_url: str = "sqlite:///advisor.db"
    # Connections per process in the pool (PostgreSQL); None keeps SQLAlchemy's default.
    database_pool_size: int | None = None
    # The knowledge folder; the bundled knowledge when unset.
    knowledge_dir: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    # `json`: one JSON object per line (request id, platform, workspace, outcome), for log
    # collectors; `text`: one readable line per record.
    log_format: Literal["text", "json"] = "text"
    # Serve Prometheus metrics at GET /metrics (off by default: it tells about usage).
    metrics_enabled: bool = False
    # Days after which conversations, conversation references, closed surveys' answers, the
    # audit log and old knowledge loads are purged; completed assessments and survey results
    # are kept unless `retention_assessments` says otherwise. None keeps them (delivery keys,
    # which only matter for minutes, go after a day regardless).
    retention_days: int | None = Field(default=None, ge=1, le=36_500)
    # Also purge completed assessments and closed surveys' data older than `retention_days`.
    retention_assessments: bool = False
    # On SIGTERM: how long in-flight turns and replies may take to finish before exiting.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=300)

    # The web server (`advisor serve`).
    host: str = "0.0.0.0"
    port: int = 3000

    # Slack, single workspace: the bot token of the installed app.
    slack_bot_token: SecretStr | None = None
    # Slack: every request is verified with it (HTTP mode).
    slack_signing_secret: SecretStr | None = None
    # Slack, multi-workspace OAuth install (instead of SLACK_BOT_TOKEN).
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    # Signs the OAuth `state` values, so any process can check them.
    slack_state_secret: SecretStr | None = None
    # Where Slack sends users back after install, when it is not derived from the request.
    slack_redirect_uri: str | None = None
    # Socket Mode (development without a public URL): the app-level `xapp-` token.
    slack_app_token: SecretStr | None = None
    # The Web API base URL: GovSlack, or a local fake in tests.
    slack_api_url: str = "https://slack.com/api/"

    # Microsoft Teams (Azure Bot registration): without an app id /api/messages is only served
    # in local development mode (`advisor serve --dev`, for the Bot Framework Emulator).
    microsoft_app_id: str | None = None
    microsoft_app_password: SecretStr | None = None
    microsoft_app_tenant_id: str | None = None
    # Where the Bot Framework channel's token-signing keys are published (its OpenID metadata
    # document). Unset: login.botframework.com, as the SDK says; set for a mirror or a local
    # stand-in in tests.
    microsoft_openid_metadata_url: str | None = None
    # Azure creates no multi-tenant bots after 31 July 2025: SingleTenant (with
    # MICROSOFT_APP_TENANT_ID) by default; MultiTenant for older (legacy) registrations;
    # UserAssignedMSI for a managed identity (with the tenant too, and no password).
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = "SingleTenant"

    # Team pulse surveys. The key that turns a respondent into an anonymous, per-survey key;
    # never stored. Unset: derived from the Slack or Teams secret in use.
    survey_secret: SecretStr | None = None
    # Platform user ids (comma-separated) who may manage any survey and the knowledge, besides
    # Slack's workspace admins and owners.
    admin_users: str = ""
    # Knowledge administration over HTTP (`advisor knowledge reload`, POST
    # /admin/knowledge/reload with `Authorization: Bearer <token>`); those routes are not served
    # at all without it. At least 16 characters: it is a password reachable from the internet.
    admin_token: SecretStr | None = None
    # How often each process checks the database for a knowledge version loaded elsewhere.
    knowledge_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    # Reload the knowledge when its files change (`advisor serve`), after a burst of saves.
    knowledge_watch: bool = False
    # How often each process looks for surveys to close, results to post and reminders to send.
    pulse_tick_seconds: float = Field(default=5.0, gt=0, le=3600)
    # At most one live-count update of a survey card per this many seconds (platform limits).
    pulse_count_seconds: float = Field(default=2.0, ge=0, le=600)

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        text = _secret(value)
        if text is not None and len(text) < MIN_ADMIN_TOKEN:
            raise ValueError(f"must be at least {MIN_ADMIN_TOKEN} characters (or unset)")
        return value

    @property
    def admin_token_value(self) -> str | None:
        """ADMIN_TOKEN as plain text; None when unset or blank."""
        return _secret(self.admin_token)

    @property
    def knowledge_path(self) -> Path:
        return self.knowledge_dir or default_knowledge_dir()

    @property
    def admins(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.admin_users.split(",") if part.strip())


@dataclass(frozen=True)
class SlackConfig:
    """Slack settings checked for completeness and consistency; secrets as plain strings."""

    signing_secret: str
    api_url: str
    bot_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    state_secret: str | None = None
    redirect_uri: str | None = None
    app_token: str | None = None

    @property
    def oauth(self) -> bool:
        return self.client_id is not None


def _secret(value: SecretStr | None) -> str | None:
    text = value.get_secret_value().strip() if value is not None else ""
    return text or None


def slack_config(settings: Settings, *, socket_mode: bool = False) -> SlackConfig | None:
    """The Slack configuration, None when Slack is not configured at all, or ConfigError naming
    every missing or contradictory setting (an empty signing secret would otherwise accept the
    configuration and then fail every request)."""
    token = _secret(settings.slack_bot_token)
    signing = _secret(settings.slack_signing_secret)
    client_id = (settings.slack_client_id or "").strip() or None
    client_secret = _secret(settings.slack_client_secret)
    state_secret = _secret(settings.slack_state_secret)
    app_token = _secret(settings.slack_app_token)
    if not any((token, signing, client_id, client_secret, state_secret, app_token)):
        return None
    problems = _slack_problems(token, signing, client_id, client_secret, state_secret)
    if socket_mode and signing is None:
        # Socket Mode requests arrive over an authenticated WebSocket, not signed HTTP.
        problems.remove("SLACK_SIGNING_SECRET is missing")
    if socket_mode:
        if app_token is None:
            problems.append("SLACK_APP_TOKEN is required for --socket-mode")
        elif not app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token (xapp-...)")
    if token is not None and not token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token (xoxb-...)")
    if not settings.slack_api_url.endswith("/"):
        problems.append("SLACK_API_URL must end with '/' (e.g. https://slack.com/api/)")
    if problems:
        raise ConfigError("Slack configuration: " + "; ".join(problems))
    return SlackConfig(
        signing_secret=signing or "",
        api_url=settings.slack_api_url,
        bot_token=token,
        client_id=client_id,
        client_secret=client_secret,
        state_secret=state_secret,
        redirect_uri=settings.slack_redirect_uri,
        app_token=app_token,
    )


def _slack_problems(
    token: str | None,
    signing: str | None,
    client_id: str | None,
    client_secret: str | None,
    state_secret: str | None,
) -> list[str]:
    problems = []
    if signing is None:
        problems.append("SLACK_SIGNING_SECRET is missing")
    oauth = any((client_id, client_secret, state_secret))
    if token is not None and oauth:
        problems.append(
            "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID, "
            "SLACK_CLIENT_SECRET and SLACK_STATE_SECRET (OAuth install), not both"
        )
    elif oauth:
        missing = [
            name
            for name, value in (
                ("SLACK_CLIENT_ID", client_id),
                ("SLACK_CLIENT_SECRET", client_secret),
                ("SLACK_STATE_SECRET", state_secret),
            )
            if value is None
        ]
        problems.extend(f"{name} is missing (needed for OAuth install)" for name in missing)
    elif token is None:
        problems.append("SLACK_BOT_TOKEN is missing (or configure OAuth with SLACK_CLIENT_ID)")
    return problems


@dataclass(frozen=True)
class TeamsConfig:
    """Teams settings checked for consistency. `dev`: no credentials, emulator mode only."""

    app_id: str
    app_password: str
    app_type: str
    tenant_id: str
    dev: bool
    # None: the SDK's own (login.botframework.com).
    openid_metadata_url: str | None = None


# Azure's app ids are GUIDs; Teams rejects a package whose bot id is anything else.
APP_ID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def app_id_problem(app_id: str) -> str | None:
    """Why `app_id` is not a Microsoft App ID, or None."""
    if APP_ID_PATTERN.match(app_id):
        return None
    return (
        "the Microsoft App ID must be a GUID such as 00000000-0000-0000-0000-000000000000 "
        f"(Azure portal → your Azure Bot → Configuration), not {app_id!r}"
    )


def teams_config(settings: Settings, *, dev: bool = False) -> TeamsConfig | None:
    """The Teams configuration; None when Teams is not configured (and not in --dev); a
    ConfigError naming what is missing when the settings are incomplete."""
    app_id = (settings.microsoft_app_id or "").strip()
    password = _secret(settings.microsoft_app_password) or ""
    tenant = (settings.microsoft_app_tenant_id or "").strip()
    app_type = settings.microsoft_app_type
    if not app_id:
        if password or tenant:
            raise ConfigError("Teams configuration: MICROSOFT_APP_ID is missing")
        if not dev:
            return None
        # The emulator mode has no registration, so no tenant: botbuilder runs without
        # credentials only as "MultiTenant" (it demands an app id, secret and tenant otherwise).
        return TeamsConfig(
            "", "", "MultiTenant", "", dev=True, openid_metadata_url=_metadata_url(settings)
        )
    problems = []
    bad_id = app_id_problem(app_id)
    if bad_id is not None:
        problems.append(bad_id.replace("the Microsoft App ID", "MICROSOFT_APP_ID", 1))
    if not password and app_type != "UserAssignedMSI":
        problems.append("MICROSOFT_APP_PASSWORD is missing")
    if app_type in ("SingleTenant", "UserAssignedMSI") and not tenant:
        # botbuilder refuses both without it, with an exception rather than a setting's name.
        problems.append(f"MICROSOFT_APP_TENANT_ID is required when MICROSOFT_APP_TYPE={app_type}")
    if problems:
        raise ConfigError("Teams configuration: " + "; ".join(problems))
    return TeamsConfig(
        app_id, password, app_type, tenant, dev=False, openid_metadata_url=_metadata_url(settings)
    )


def _metadata_url(settings: Settings) -> str | None:
    return (settings.microsoft_openid_metadata_url or "").strip() or None


# Labels the derivation, so the derived key says nothing about the secret it came from.
_SURVEY_KEY_LABEL = b"ai-ownership-advisor pulse respondent keys v1"
# Only for `advisor serve --dev` and the tests with no secret at all: anyone can recompute it.
DEVELOPMENT_SURVEY_SECRET = b"development only: set SURVEY_SECRET"


def survey_secret(settings: Settings, *, dev: bool = False) -> bytes:
    """The key of respondent and launcher hashes: SURVEY_SECRET, else derived from the first
    platform secret configured (so a Slack or Teams install works without one more setting).
    Changing it mid-survey would let someone answer an open survey twice: set SURVEY_SECRET
    before rotating a platform secret. ConfigError when there is none outside --dev."""
    candidates = (
        settings.survey_secret,
        settings.slack_signing_secret,
        settings.slack_client_secret,
        settings.microsoft_app_password,
        settings.slack_bot_token,
    )
    for candidate in candidates:
        text = _secret(candidate)
        if text is not None:
            return hmac.new(text.encode(), _SURVEY_KEY_LABEL, hashlib.sha256).digest()
    if dev:
        return DEVELOPMENT_SURVEY_SECRET
    raise ConfigError(
        "SURVEY_SECRET is missing: set it to a long random value (it keys the anonymous "
        "respondent hashes of pulse surveys and never reaches the database)"
    )


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in detail['loc']).upper()}: {detail['msg']}"
            for detail in error.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from error
