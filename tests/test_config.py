"""Settings: complete and consistent, or a message that names what to fix."""

from __future__ import annotations

import pytest

from bot.config import (
    DEVELOPMENT_SURVEY_SECRET,
    ConfigError,
    Settings,
    slack_config,
    survey_secret,
    teams_config,
)

BASE = {"database_url": "sqlite:///x.db"}


def settings(**values: object) -> Settings:
    return Settings(**{**BASE, **values})  # type: ignore[arg-type]


def test_no_slack_settings_means_no_slack() -> None:
    assert slack_config(settings()) is None


def test_single_workspace() -> None:
    config = slack_config(settings(slack_bot_token="xoxb-1", slack_signing_secret="s"))
    assert config is not None
    assert not config.oauth
    assert config.bot_token == "xoxb-1"


def test_oauth() -> None:
    config = slack_config(
        settings(
            slack_client_id="1.2",
            slack_client_secret="c",
            slack_state_secret="st",
            slack_signing_secret="s",
        )
    )
    assert config is not None
    assert config.oauth


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"slack_bot_token": "xoxb-1"}, ["SLACK_SIGNING_SECRET"]),
        ({"slack_signing_secret": "s"}, ["SLACK_BOT_TOKEN"]),
        ({"slack_signing_secret": "  ", "slack_bot_token": "xoxb-1"}, ["SLACK_SIGNING_SECRET"]),
        (
            {"slack_bot_token": "xoxb-1", "slack_client_id": "1.2", "slack_signing_secret": "s"},
            ["SLACK_BOT_TOKEN", "SLACK_CLIENT_ID"],
        ),
        (
            {"slack_client_id": "1.2", "slack_signing_secret": "s"},
            ["SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET"],
        ),
        ({"slack_bot_token": "xoxp-user", "slack_signing_secret": "s"}, ["xoxb-"]),
        (
            {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s", "slack_api_url": "http://x"},
            ["SLACK_API_URL"],
        ),
    ],
)
def test_missing_or_contradictory_settings_are_named(
    values: dict[str, object], named: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        slack_config(settings(**values))
    for name in named:
        assert name in str(caught.value)


def test_socket_mode_needs_an_app_token_but_no_signing_secret() -> None:
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        slack_config(settings(slack_bot_token="xoxb-1", slack_signing_secret="s"), socket_mode=True)
    config = slack_config(
        settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1"), socket_mode=True
    )
    assert config is not None
    assert config.app_token == "xapp-1"


def test_secrets_never_show_in_errors() -> None:
    with pytest.raises(ConfigError) as caught:
        slack_config(settings(slack_bot_token="xoxb-very-secret", slack_client_id="1.2"))
    assert "very-secret" not in str(caught.value)


def test_the_survey_secret_is_used_when_set_and_derived_otherwise() -> None:
    explicit = survey_secret(settings(survey_secret="one", slack_signing_secret="s"))
    assert explicit == survey_secret(settings(survey_secret="one"))
    derived = survey_secret(settings(slack_signing_secret="s"))
    assert derived != explicit
    assert len(derived) == 32  # an HMAC-SHA256 derivation, not the secret itself
    teams = survey_secret(settings(microsoft_app_password="p"))
    assert teams not in (derived, explicit)


def test_no_secret_at_all_is_refused_outside_development() -> None:
    with pytest.raises(ConfigError, match="SURVEY_SECRET"):
        survey_secret(settings())
    assert survey_secret(settings(), dev=True) == DEVELOPMENT_SURVEY_SECRET


APP_ID = "00000000-0000-0000-0000-0000000000b1"
TENANT = "00000000-0000-0000-0000-0000000000c1"


def test_teams_is_single_tenant_unless_told_otherwise() -> None:
    # Azure creates no multi-tenant bots since July 2025: the default needs the tenant.
    with pytest.raises(ConfigError, match="MICROSOFT_APP_TENANT_ID is required"):
        teams_config(settings(microsoft_app_id=APP_ID, microsoft_app_password="p"))
    single = teams_config(
        settings(
            microsoft_app_id=APP_ID, microsoft_app_password="p", microsoft_app_tenant_id=TENANT
        )
    )
    assert single is not None
    assert (single.app_type, single.tenant_id) == ("SingleTenant", TENANT)


def test_a_managed_identity_needs_its_tenant_but_no_secret() -> None:
    with pytest.raises(ConfigError, match="TENANT_ID is required when MICROSOFT_APP_TYPE=User"):
        teams_config(settings(microsoft_app_id=APP_ID, microsoft_app_type="UserAssignedMSI"))
    msi = teams_config(
        settings(
            microsoft_app_id=APP_ID,
            microsoft_app_type="UserAssignedMSI",
            microsoft_app_tenant_id=TENANT,
        )
    )
    assert msi is not None
    assert (msi.app_type, msi.app_password) == ("UserAssignedMSI", "")


def test_legacy_multi_tenant_registrations_need_no_tenant() -> None:
    legacy = teams_config(
        settings(
            microsoft_app_id=APP_ID, microsoft_app_password="p", microsoft_app_type="MultiTenant"
        )
    )
    assert legacy is not None
    assert (legacy.app_type, legacy.tenant_id) == ("MultiTenant", "")


def test_development_mode_needs_no_registration_whatever_the_app_type() -> None:
    # Without credentials botbuilder only runs as "MultiTenant" (the emulator's mode).
    for app_type in ("SingleTenant", "MultiTenant"):
        dev = teams_config(settings(microsoft_app_type=app_type), dev=True)
        assert dev is not None
        assert (dev.dev, dev.app_id, dev.app_type) == (True, "", "MultiTenant")
    assert teams_config(settings()) is None


def test_admin_users_are_a_comma_separated_list() -> None:
    assert settings(admin_users=" U1, U2 ,,").admins == frozenset({"U1", "U2"})
    assert settings().admins == frozenset()
