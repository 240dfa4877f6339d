"""Anonymous keys: stable within a survey, unlinkable across surveys, keyed by the secret."""

from __future__ import annotations

import pytest

from bot.pulse.keys import PulseKeys

KEYS = PulseKeys(b"secret one")


def test_a_person_keeps_their_key_within_one_survey() -> None:
    assert KEYS.respondent("slack", "T1", "s1", "U1") == KEYS.respondent("slack", "T1", "s1", "U1")


def test_keys_differ_across_surveys_people_workspaces_and_platforms() -> None:
    keys = {
        KEYS.respondent("slack", "T1", "s1", "U1"),
        KEYS.respondent("slack", "T1", "s2", "U1"),
        KEYS.respondent("slack", "T1", "s1", "U2"),
        KEYS.respondent("slack", "T2", "s1", "U1"),
        KEYS.respondent("teams", "T1", "s1", "U1"),
        KEYS.launcher("slack", "T1", "U1"),
    }
    assert len(keys) == 6


def test_parts_cannot_be_shifted_into_each_other() -> None:
    assert KEYS.respondent("slack", "T1", "s1", "U12") != KEYS.respondent(
        "slack", "T1", "s1U", "12"
    )


def test_without_the_secret_the_key_cannot_be_recomputed() -> None:
    other = PulseKeys(b"secret two")
    assert other.respondent("slack", "T1", "s1", "U1") != KEYS.respondent("slack", "T1", "s1", "U1")


def test_keys_are_64_lowercase_hex_and_name_nobody() -> None:
    key = KEYS.respondent("slack", "T1", "s1", "U0123ABC")
    assert len(key) == 64
    assert key == key.lower()
    int(key, 16)
    assert "U0123ABC".lower() not in key


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        PulseKeys(b"")


def test_a_sealed_launcher_reads_back_only_with_the_secret_and_its_series() -> None:
    keys = PulseKeys(b"secret")
    sealed = keys.seal("U0LAUNCHER", "a" * 32)
    assert "U0LAUNCHER" not in sealed
    assert keys.unseal(sealed, "a" * 32) == "U0LAUNCHER"
    assert keys.unseal(sealed, "b" * 32) is None  # another series' record
    assert PulseKeys(b"other").unseal(sealed, "a" * 32) is None
    assert keys.unseal("-", "a" * 32) is None  # forgotten
    assert keys.unseal("not base64!", "a" * 32) is None
    assert keys.seal("U0LAUNCHER", "a" * 32) != sealed  # a fresh nonce every time


def test_member_keys_are_not_respondent_keys() -> None:
    keys = PulseKeys(b"secret")
    member = keys.member("slack", "T1", "s" * 32, "U1")
    assert member != keys.respondent("slack", "T1", "s" * 32, "U1")
    assert member != keys.member("slack", "T1", "t" * 32, "U1")
