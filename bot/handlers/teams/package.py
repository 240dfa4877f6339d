"""The Microsoft Teams app package: `advisor teams package` builds the zip Teams installs.

The zip holds, at its root, `manifest.json` (filled from `manifests/teams/manifest.json`), a
192x192 full-colour icon `color.png` and a 32x32 outline icon `outline.png` (white on
transparent, as Teams requires). The icons are drawn here in pure Python, and every byte of the
zip is fixed, so the same inputs always give the same package.

To put the advisor in Teams:

1. Create an **Azure Bot** resource; its *Configuration* page shows the **Microsoft App ID** (set
   it as MICROSOFT_APP_ID, with a client secret as MICROSOFT_APP_PASSWORD). Set the messaging
   endpoint to `https://<your server>/api/messages` and add the **Microsoft Teams** channel.
2. `advisor teams package --app-id <Microsoft App ID> --domain <your server's host>`.
3. In Teams: **Apps → Manage your apps → Upload an app → Upload a custom app**, and pick the
   zip (custom app upload must be allowed in the tenant). To offer it to the whole organisation,
   an admin uploads it in the Teams admin centre under **Teams apps → Manage apps**.

After a change to the manifest, raise the version (the project version by default) and upload
the new zip: Teams replaces the app with the same id.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import tempfile
import tomllib
import zipfile
import zlib
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import APP_ID_PATTERN, app_id_problem

PACKAGE_NAME = "ai-ownership-advisor-teams.zip"
DEFAULT_WEBSITE = "https://github.com/ai-ownership-advisor/ai-ownership-advisor"
COLOR_SIZE = 192
OUTLINE_SIZE = 32

_ROOT = Path(__file__).resolve().parents[3]
# A source checkout has the template in manifests/; a wheel may ship it beside this module.
TEMPLATE_PATHS = (
    _ROOT / "manifests" / "teams" / "manifest.json",
    Path(__file__).with_name("manifest.json"),
)

_GUID = APP_ID_PATTERN
# Teams' own "semver" definition: MAJOR.MINOR.PATCH, digits only.
_SEMVER = re.compile(r"^(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)$")
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_HOST = re.compile(r"^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
_SCOPES = ("personal", "team", "groupChat")
_PERMISSIONS = ("identity", "messageTeamMembers")
# The fixed timestamp of every zip entry (the earliest a zip can store), for reproducibility.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Colours of the emblem: the manifest's accent colour behind a white ring and a highlighted
# quarter (one of the four ownership models).
_NAVY = (0x1F, 0x3A, 0x5F)
_AMBER = (0xF2, 0xA9, 0x3B)
_WHITE = (0xFF, 0xFF, 0xFF)


class PackageError(ValueError):
    """The package cannot be built as asked; the message names the field or option."""


def _project_version() -> str:
    try:
        return metadata.version("ai-ownership-advisor")
    except metadata.PackageNotFoundError:
        with (_ROOT / "pyproject.toml").open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])


PROJECT_VERSION = _project_version()


def build_package(
    app_id: str,
    out: Path,
    *,
    version: str = PROJECT_VERSION,
    website: str | None = None,
    domain: str | None = None,
) -> Path:
    """Write the Teams app package to `out` (a folder gets `ai-ownership-advisor-teams.zip`)
    and return its path. PackageError (a ValueError) names whatever is wrong."""
    manifest = build_manifest(app_id, version=version, website=website, domain=domain)
    target = out / PACKAGE_NAME if out.is_dir() else out
    data = package_bytes(manifest)
    try:
        _write_atomically(target, data)
    except OSError as error:
        raise PackageError(f"cannot write {target}: {error.strerror or error}") from error
    return target


def build_manifest(
    app_id: str,
    *,
    version: str = PROJECT_VERSION,
    website: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """The template filled in and checked against the limits Teams enforces."""
    app_id = app_id.strip()
    bad_id = app_id_problem(app_id)
    if bad_id is not None:
        raise PackageError(bad_id)
    site = _website(website)
    values = {
        "MICROSOFT_APP_ID": app_id,
        "VERSION": version.strip(),
        "WEBSITE_URL": site,
        "PRIVACY_URL": f"{site}#privacy",
        "TERMS_OF_USE_URL": f"{site}#license",
    }
    manifest = _fill(load_template(), values, "")
    if not isinstance(manifest, dict):
        raise PackageError("the manifest template must be a JSON object")
    manifest["validDomains"] = [_domain(domain)] if domain else []
    check_manifest(manifest)
    return manifest


def load_template() -> Any:
    for path in TEMPLATE_PATHS:
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as error:
                raise PackageError(f"{path} is not valid JSON: {error}") from error
    looked = ", ".join(str(path) for path in TEMPLATE_PATHS)
    raise PackageError(f"the Teams manifest template is missing (looked for {looked})")


def _website(website: str | None) -> str:
    if website is None:
        return DEFAULT_WEBSITE
    site = website.strip().rstrip("/")
    parts = urlsplit(site)
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        raise PackageError(
            f"the website (developer.websiteUrl) must be an https:// URL without a query or "
            f"fragment, not {website!r}"
        )
    return site


def _domain(domain: str) -> str:
    host = domain.strip().lower().rstrip(".")
    if not _HOST.match(host) or len(host) > 253:
        hint = " (the host name only, without https:// or a path)" if "/" in host else ""
        raise PackageError(
            f"the domain (validDomains) must be a host name such as advisor.example.com{hint}, "
            f"not {domain!r}"
        )
    return host


def _fill(node: Any, values: dict[str, str], path: str) -> Any:
    if isinstance(node, dict):
        return {key: _fill(value, values, _join(path, key)) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item, values, f"{path}[{index}]") for index, item in enumerate(node)]
    if isinstance(node, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise PackageError(f"{path}: unknown placeholder {{{{{name}}}}} in the template")
            return values[name]

        return _PLACEHOLDER.sub(replace, node)
    return node


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def check_manifest(manifest: dict[str, Any]) -> None:
    """Raise PackageError naming the first field outside the limits Teams enforces."""
    _check_pattern(manifest, "id", _GUID, "a GUID")
    _check_pattern(manifest, "version", _SEMVER, "a version like 1.2.3 (MAJOR.MINOR.PATCH)")
    _check_pattern(manifest, "accentColor", _HEX_COLOR, "a colour like #1F3A5F")
    _check_text(manifest, "developer.name", 32)
    for field in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        url = _check_text(manifest, f"developer.{field}", 2048)
        if not url.startswith("https://"):
            raise PackageError(f"developer.{field} must be an https:// URL, not {url!r}")
    _check_text(manifest, "name.short", 30)
    _check_text(manifest, "name.full", 100)
    _check_text(manifest, "description.short", 80)
    _check_text(manifest, "description.full", 4000)
    _check_text(manifest, "icons.color", 2048)
    _check_text(manifest, "icons.outline", 2048)
    permissions = _list(manifest, "permissions")
    if not set(permissions) <= set(_PERMISSIONS):
        raise PackageError(f"permissions may only contain {', '.join(_PERMISSIONS)}")
    domains = _list(manifest, "validDomains")
    if len(domains) > 16:
        raise PackageError(f"validDomains has {len(domains)} entries; Teams allows 16")
    bots = _list(manifest, "bots")
    if len(bots) != 1:
        raise PackageError(f"bots must list exactly one bot, not {len(bots)}")
    _check_bot(manifest, bots[0])
    leftover = next(_placeholders(manifest, ""), None)
    if leftover is not None:
        raise PackageError(f"{leftover} still has a {{{{...}}}} placeholder")


def _check_bot(manifest: dict[str, Any], bot: Any) -> None:
    if not isinstance(bot, dict):
        raise PackageError("bots[0] must be an object")
    if bot.get("botId") != manifest.get("id"):
        raise PackageError("bots[0].botId must be the Microsoft App ID (the manifest's id)")
    scopes = _scopes(bot, "bots[0].scopes")
    lists = _list(bot, "commandLists", "bots[0].commandLists")
    if len(lists) > 3:
        raise PackageError(f"bots[0].commandLists has {len(lists)} lists; Teams allows 3")
    for number, command_list in enumerate(lists):
        where = f"bots[0].commandLists[{number}]"
        if not isinstance(command_list, dict):
            raise PackageError(f"{where} must be an object")
        if not set(_scopes(command_list, f"{where}.scopes")) <= set(scopes):
            raise PackageError(f"{where}.scopes must be among the bot's scopes")
        commands = _list(command_list, "commands", f"{where}.commands")
        if not 1 <= len(commands) <= 10:
            raise PackageError(f"{where}.commands has {len(commands)} commands; Teams allows 1-10")
        for index, command in enumerate(commands):
            _check_text(command, "title", 32, f"{where}.commands[{index}].title")
            _check_text(command, "description", 128, f"{where}.commands[{index}].description")


def _scopes(node: dict[str, Any], where: str) -> list[Any]:
    scopes = _list(node, "scopes", where)
    if not scopes or len(set(scopes)) != len(scopes) or not set(scopes) <= set(_SCOPES):
        raise PackageError(f"{where} must list distinct scopes among {', '.join(_SCOPES)}")
    return scopes


def _lookup(node: Any, field: str) -> Any:
    for key in field.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _check_text(node: Any, field: str, limit: int, where: str | None = None) -> str:
    name = where or field
    value = _lookup(node, field)
    if not isinstance(value, str) or not value.strip():
        raise PackageError(f"{name} is missing or empty")
    if len(value) > limit:
        raise PackageError(f"{name} is {len(value)} characters long; Teams allows {limit}")
    return value


def _check_pattern(node: dict[str, Any], field: str, pattern: re.Pattern[str], what: str) -> None:
    value = node.get(field)
    if not isinstance(value, str) or not pattern.match(value):
        raise PackageError(f"{field} must be {what}, not {value!r}")


def _list(node: dict[str, Any], field: str, where: str | None = None) -> list[Any]:
    value = node.get(field, [])
    if not isinstance(value, list):
        raise PackageError(f"{where or field} must be a list")
    return value


def _placeholders(node: Any, path: str) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _placeholders(value, _join(path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _placeholders(item, f"{path}[{index}]")
    elif isinstance(node, str) and "{{" in node:
        yield path


def next_steps(path: Path, domain: str | None = None) -> str:
    """What to do with the package; with the bot's `domain`, its endpoint spelt out."""
    host = domain.strip().strip("/") if domain else "<your server>"
    return (
        f"Teams app package written to {path}\n"
        "Next: upload it in Teams: Apps → Manage your apps → Upload an app → Upload a custom "
        f"app.\nThe Azure Bot's messaging endpoint must be https://{host}/api/messages, "
        "with the Microsoft Teams channel added."
    )


# The zip ------------------------------------------------------------------------------------


def package_bytes(manifest: dict[str, Any]) -> bytes:
    """The zip: manifest.json, color.png and outline.png at the root, with fixed metadata."""
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    files = (
        ("manifest.json", text.encode("utf-8")),
        (str(manifest["icons"]["color"]), color_icon()),
        (str(manifest["icons"]["outline"]), outline_icon()),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever machine builds it
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def _write_atomically(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# The icons ----------------------------------------------------------------------------------
# Shapes are signed distances in emblem units (the ring's outer radius is 1, y points up);
# a pixel's coverage is its distance to the edge, so edges are smooth at any size.

Pixel = tuple[int, int, int, int]
Shape = Callable[[float, float], float]


def _ring(x: float, y: float) -> float:
    return abs(math.sqrt(x * x + y * y) - 0.9) - 0.1


def _quarter(sign_x: float, sign_y: float) -> Shape:
    """One quarter of a disc, kept apart from the axes and the ring by a gap."""

    def distance(x: float, y: float) -> float:
        return max(math.sqrt(x * x + y * y) - 0.62, 0.09 - sign_x * x, 0.09 - sign_y * y)

    return distance


_CHOSEN = _quarter(1.0, 1.0)
_OTHERS = (_quarter(-1.0, 1.0), _quarter(-1.0, -1.0), _quarter(1.0, -1.0))


def _rounded_square(x: float, y: float, half: float, radius: float) -> float:
    qx = abs(x) - half + radius
    qy = abs(y) - half + radius
    outside = math.sqrt(max(qx, 0.0) ** 2 + max(qy, 0.0) ** 2)
    return outside + min(max(qx, qy), 0.0) - radius


def _coverage(distance: float, pixel: float) -> float:
    return min(max(0.5 - distance / pixel, 0.0), 1.0)


def _over(
    below: tuple[float, ...], colour: tuple[int, int, int], alpha: float
) -> tuple[float, ...]:
    """Straight-alpha "over": paint `colour` at `alpha` on top of `below`."""
    r, g, b, a = below
    out = alpha + a * (1 - alpha)
    if out == 0:
        return (0.0, 0.0, 0.0, 0.0)
    mix = [(c * alpha + p * a * (1 - alpha)) / out for c, p in zip(colour, (r, g, b), strict=True)]
    return (mix[0], mix[1], mix[2], out)


def _color_pixel(u: float, v: float, pixel: float) -> Pixel:
    """u, v in [-1, 1] across the icon: a navy rounded square, the emblem at 60 % size."""
    paint: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
    paint = _over(paint, _NAVY, _coverage(_rounded_square(u, v, 1.0, 0.22), pixel))
    scale = 0.6
    x, y, unit = u / scale, v / scale, pixel / scale
    for other in _OTHERS:
        paint = _over(paint, _WHITE, 0.28 * _coverage(other(x, y), unit))
    paint = _over(paint, _WHITE, _coverage(_ring(x, y), unit))
    paint = _over(paint, _AMBER, _coverage(_CHOSEN(x, y), unit))
    r, g, b, a = paint
    return (round(r), round(g), round(b), round(a * 255))


def _outline_pixel(u: float, v: float, pixel: float) -> Pixel:
    """White on transparent: the ring and the chosen quarter, filling the icon."""
    scale = 0.94
    x, y, unit = u / scale, v / scale, pixel / scale
    alpha = max(_coverage(_ring(x, y), unit), _coverage(_CHOSEN(x, y), unit))
    return (255, 255, 255, round(alpha * 255))


def _draw(size: int, shade: Callable[[float, float, float], Pixel]) -> list[list[Pixel]]:
    pixel = 2.0 / size
    rows = []
    for row in range(size):
        v = 1.0 - (row + 0.5) * pixel
        rows.append([shade((column + 0.5) * pixel - 1.0, v, pixel) for column in range(size)])
    return rows


def color_icon() -> bytes:
    return encode_png(_draw(COLOR_SIZE, _color_pixel))


def outline_icon() -> bytes:
    return encode_png(_draw(OUTLINE_SIZE, _outline_pixel))


def encode_png(rows: list[list[Pixel]]) -> bytes:
    """An 8-bit RGBA PNG (colour type 6, no filtering) of equally long rows of pixels."""
    height, width = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
