"""`advisor teams package`: the zip Teams installs, built for real by the command in a
subprocess, then taken apart here: the manifest (against the vendored Teams schema) and the two
icons (PNG chunks, CRCs and pixels decoded with zlib)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft7Validator, validators

from bot.handlers.teams.package import (
    PACKAGE_NAME,
    TEMPLATE_PATHS,
    PackageError,
    build_manifest,
    check_manifest,
)

APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
OTHER_APP_ID = "9B2C6F0A-1D2E-4F3A-8B4C-5D6E7F8A9B0C"
SCHEMA_PATH = Path(__file__).parents[2] / "fixtures" / "teams" / "MicrosoftTeams.v1.22.schema.json"
TIMEOUT = 60
FILES = ["manifest.json", "color.png", "outline.png"]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def advisor(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    """`python -m bot ...` in `cwd`, without any Microsoft setting from this machine."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MICROSOFT_")}
    environment.update({"PYTHONIOENCODING": "utf-8", **(env or {})})
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("teams")
    out = folder / "advisor.zip"
    run = advisor(
        folder,
        "teams",
        "package",
        "--app-id",
        APP_ID,
        "--out",
        str(out),
        "--domain",
        "Bot.Example.COM",
    )
    assert run.code == 0, run.err
    assert str(out) in run.out
    assert "upload it in Teams: Apps → Manage your apps → Upload an app" in run.out
    return out


@pytest.fixture(scope="module")
def manifest(package: Path) -> dict[str, Any]:
    with zipfile.ZipFile(package) as archive:
        loaded: dict[str, Any] = json.loads(archive.read("manifest.json").decode("utf-8"))
    return loaded


def icon(package: Path, name: str) -> bytes:
    with zipfile.ZipFile(package) as archive:
        return archive.read(name)


# --- a small PNG reader: chunks with their CRCs, then the pixels --------------------------------


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        at += 12 + length
    assert at == len(data)
    assert chunks[0][0] == b"IHDR"
    assert chunks[-1] == (b"IEND", b"")
    return chunks


def png_size(data: bytes) -> tuple[int, int]:
    width, height, depth, colour, _, _, interlace = struct.unpack(
        ">IIBBBBB", png_chunks(data)[0][1]
    )
    assert (depth, colour, interlace) == (8, 6, 0), "8-bit RGBA, not interlaced"
    return width, height


def png_pixels(data: bytes) -> list[tuple[int, int, int, int]]:
    """Every RGBA pixel, row by row, undoing any of the five PNG row filters."""
    width, height = png_size(data)
    raw = zlib.decompress(b"".join(body for kind, body in png_chunks(data) if kind == b"IDAT"))
    stride, previous = width * 4, bytearray(width * 4)
    pixels: list[tuple[int, int, int, int]] = []
    assert len(raw) == height * (stride + 1)
    for row in range(height):
        kind = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - 4] if i >= 4 else 0
            up, corner = previous[i], previous[i - 4] if i >= 4 else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                nearest = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + nearest) & 0xFF
            else:
                assert kind == 0, f"unknown filter {kind}"
        pixels.extend(struct.iter_unpack("4B", line))
        previous = line
    return pixels


# --- the command ---------------------------------------------------------------------------------


def test_the_zip_holds_exactly_the_three_files_at_its_root(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == sorted(FILES)
        assert archive.testzip() is None


def test_the_manifest_names_the_bot_by_its_app_id(manifest: dict[str, Any]) -> None:
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert bot["supportsFiles"] is True  # the pulse export is a file (file consent flow)
    assert bot["isNotificationOnly"] is False
    assert manifest["version"] == metadata.version("ai-ownership-advisor")
    assert manifest["validDomains"] == ["bot.example.com"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]


def test_the_command_lists_stay_within_teams_limits(manifest: dict[str, Any]) -> None:
    lists = manifest["bots"][0]["commandLists"]
    assert 1 <= len(lists) <= 3
    personal = next(entry for entry in lists if entry["scopes"] == ["personal"])
    titles = {command["title"] for command in personal["commands"]}
    assert {"start", "ask", "help", "why", "back", "skip"} <= titles
    shared = next(entry for entry in lists if "team" in entry["scopes"])
    assert set(shared["scopes"]) == {"team", "groupChat"}
    assert {command["title"] for command in shared["commands"]} == {"ask", "pulse", "help"}
    for entry in lists:
        assert len(entry["commands"]) <= 10
        for command in entry["commands"]:
            assert 0 < len(command["title"]) <= 32
            assert 0 < len(command["description"]) <= 128


def test_the_manifest_is_valid_against_the_teams_schema(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert manifest["manifestVersion"] == schema["properties"]["manifestVersion"]["const"]
    assert manifest["$schema"].endswith(
        f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json"
    )
    errors = [error.message for error in teams_validator().iter_errors(manifest)]
    assert errors == []


def test_the_schema_check_is_not_vacuous(manifest: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(manifest))
    broken["bots"][0]["botId"] = "not-a-guid"
    broken["manifestVersion"] = "1.17"
    broken["bots"][0]["commandLists"] *= 2
    messages = " ".join(error.message for error in teams_validator().iter_errors(broken))
    assert "not-a-guid" in messages
    assert "'1.22' was expected" in messages
    assert "is too long" in messages


def teams_validator() -> Any:
    """Draft-04, the schema's own `$schema`, plus `const`, which the Teams schema also uses."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("http://json-schema.org/draft-04/")
    # types-jsonschema leaves extend() unannotated.
    Draft4WithConst = validators.extend(  # type: ignore[no-untyped-call]
        Draft4Validator, {"const": Draft7Validator.VALIDATORS["const"]}
    )
    Draft4WithConst.check_schema(schema)
    return Draft4WithConst(schema)


def test_the_colour_icon_is_a_full_colour_192_png(package: Path) -> None:
    data = icon(package, "color.png")
    assert png_size(data) == (192, 192)
    pixels = png_pixels(data)
    assert len(pixels) == 192 * 192
    centre = pixels[96 * 192 + 96]
    assert centre[3] == 255
    colours = {pixel[:3] for pixel in pixels if pixel[3] == 255}
    assert any(max(rgb) - min(rgb) > 100 for rgb in colours), "not only greys"
    assert len(colours) > 10


def test_the_outline_icon_is_white_on_transparent_32_png(package: Path) -> None:
    data = icon(package, "outline.png")
    assert png_size(data) == (32, 32)
    pixels = png_pixels(data)
    assert len(pixels) == 32 * 32
    assert all(p[3] == 0 or p[:3] == (255, 255, 255) for p in pixels)
    assert sum(p[3] == 255 for p in pixels) > 100, "a visible emblem"
    assert sum(p[3] == 0 for p in pixels) > 100, "a transparent background"
    assert pixels[0][3] == 0, "the corners are transparent"


def test_two_builds_are_identical_byte_for_byte(package: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    run = advisor(
        tmp_path,
        "teams",
        "package",
        "--app-id",
        APP_ID,
        "--out",
        str(again),
        "--domain",
        "bot.example.com",
    )
    assert run.code == 0, run.err
    assert again.read_bytes() == package.read_bytes()
    with zipfile.ZipFile(again) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_app_id_comes_from_the_environment_and_the_zip_has_its_default_name(
    tmp_path: Path,
) -> None:
    run = advisor(tmp_path, "teams", "package", env={"MICROSOFT_APP_ID": OTHER_APP_ID})
    assert run.code == 0, run.err
    with zipfile.ZipFile(tmp_path / PACKAGE_NAME) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == manifest["bots"][0]["botId"] == OTHER_APP_ID
    assert manifest["validDomains"] == []
    assert manifest["developer"]["websiteUrl"].startswith("https://github.com/")


def test_website_replaces_the_developer_links(tmp_path: Path) -> None:
    site = "https://advisor.example.org/about"
    args = ["--app-id", APP_ID, "--out", str(tmp_path), "--website", site + "/"]
    run = advisor(tmp_path, "teams", "package", *args)
    assert run.code == 0, run.err
    with zipfile.ZipFile(tmp_path / PACKAGE_NAME) as archive:
        developer = json.loads(archive.read("manifest.json"))["developer"]
    assert developer["websiteUrl"] == site
    assert developer["privacyUrl"].startswith(site + "#")
    assert developer["termsOfUseUrl"].startswith(site + "#")


def test_a_missing_app_id_exits_2_and_says_how_to_give_one(tmp_path: Path) -> None:
    run = advisor(tmp_path, "teams", "package")
    assert run.code == 2
    assert "set MICROSOFT_APP_ID or pass --app-id" in run.err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app-id", "my-bot"], "must be a GUID"),
        (["--app-id", APP_ID + "0"], "must be a GUID"),
        (["--app-id", APP_ID, "--website", "http://example.com"], "https:// URL"),
        (["--app-id", APP_ID, "--domain", "https://bot.example.com/api"], "host name only"),
    ],
)
def test_wrong_input_exits_2_without_writing(tmp_path: Path, args: list[str], message: str) -> None:
    run = advisor(tmp_path, "teams", "package", *args)
    assert run.code == 2
    assert message in run.err
    assert run.err.startswith("error: ")
    assert list(tmp_path.iterdir()) == []


# --- the limits checked before anything is written -----------------------------------------------


def test_the_template_is_the_one_shipped_in_manifests() -> None:
    template = TEMPLATE_PATHS[0]
    assert template.parts[-3:] == ("manifests", "teams", "manifest.json")
    text = template.read_text(encoding="utf-8")
    assert "{{MICROSOFT_APP_ID}}" in text
    assert "{{VERSION}}" in text


def test_build_manifest_rejects_a_version_teams_would_refuse() -> None:
    with pytest.raises(PackageError, match=r"^version must be .*'1\.0'"):
        build_manifest(APP_ID, version="1.0")
    with pytest.raises(PackageError, match="version"):
        build_manifest(APP_ID, version="0.2.0.dev1")


def _set(manifest: dict[str, Any], path: str, value: Any) -> None:
    node: Any = manifest
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("name.short", "A" * 31, "name.short is 31 characters long; Teams allows 30"),
        ("description.short", "d" * 81, "description.short is 81 characters long"),
        ("description.full", "d" * 4001, "description.full is 4001 characters long"),
        ("developer.name", "n" * 33, "developer.name is 33 characters long"),
        ("developer.privacyUrl", "http://example.com", "developer.privacyUrl must be an https://"),
        (
            "bots.0.commandLists.0.commands.0.title",
            "t" * 33,
            "bots[0].commandLists[0].commands[0].title is 33 characters long; Teams allows 32",
        ),
        (
            "bots.0.commandLists.1.commands.1.description",
            "d" * 129,
            "bots[0].commandLists[1].commands[1].description is 129 characters long",
        ),
        ("bots.0.scopes", ["personal", "copilot"], "bots[0].scopes must list distinct scopes"),
        ("bots.0.botId", OTHER_APP_ID, "botId must be the Microsoft App ID"),
        ("accentColor", "navy", "accentColor must be a colour"),
        ("name.full", "{{NAME}}", "name.full still has a {{...}} placeholder"),
    ],
)
def test_check_manifest_names_the_field_over_its_limit(path: str, value: Any, message: str) -> None:
    manifest = build_manifest(APP_ID)
    check_manifest(manifest)
    _set(manifest, path, value)
    with pytest.raises(PackageError) as raised:
        check_manifest(manifest)
    assert message in str(raised.value)


def test_more_than_three_command_lists_are_refused() -> None:
    manifest = build_manifest(APP_ID)
    bot = manifest["bots"][0]
    bot["commandLists"] = [bot["commandLists"][0]] * 4
    with pytest.raises(PackageError, match=r"bots\[0\]\.commandLists has 4 lists; Teams allows 3"):
        check_manifest(manifest)


def test_the_app_id_error_says_where_to_find_it() -> None:
    with pytest.raises(PackageError, match=r"Microsoft App ID must be a GUID.*Azure Bot"):
        build_manifest("not a guid")


def test_with_a_domain_the_endpoint_to_set_is_spelt_out(tmp_path: Path) -> None:
    args = ["--app-id", APP_ID, "--out", str(tmp_path), "--domain", "bot.example.com"]
    run = advisor(tmp_path, "teams", "package", *args)
    assert run.code == 0, run.err
    assert "https://bot.example.com/api/messages" in run.out
    assert "<your server>" not in run.out
