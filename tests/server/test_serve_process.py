"""`advisor serve` as a real process: refuses bad configuration with a message, serves
/healthz, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from testing.fakes.fixtures import fake_slack_api
from tests.server.conftest import SIGNING_SECRET
from tests.server.processes import free_port


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DATABASE_URL", "PORT", "HOST"))
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'advisor.db'}", **values)
    return env


async def run(tmp_path: Path, *args: str, **values: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", *args,
        cwd=tmp_path, env=environment(tmp_path, **values),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, err.decode()


async def test_serve_without_any_platform_says_what_to_set(tmp_path: Path) -> None:
    code, err = await run(tmp_path)
    assert code == 2
    assert "SLACK_BOT_TOKEN" in err
    assert "Traceback" not in err


async def test_serve_with_contradictory_slack_settings(tmp_path: Path) -> None:
    code, err = await run(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_CLIENT_ID="1.2",
        SLACK_SIGNING_SECRET="s",
    )
    assert code == 2
    assert "SLACK_CLIENT_ID" in err
    assert "not both" in err
    assert "Traceback" not in err


async def test_serve_names_the_problems_of_both_platforms_at_once(tmp_path: Path) -> None:
    code, err = await run(
        tmp_path,
        SLACK_BOT_TOKEN="not-a-bot-token",
        SLACK_SIGNING_SECRET="s",
        MICROSOFT_APP_ID="00000000-0000-0000-0000-000000000001",
    )
    assert code == 2
    assert "SLACK_BOT_TOKEN must be a bot token" in err
    assert "MICROSOFT_APP_PASSWORD is missing" in err
    assert "Traceback" not in err


async def test_serve_answers_healthz_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    async with fake_slack_api() as api:
        env = environment(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=api.base_url,
            PORT=str(port),
            HOST="127.0.0.1",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await wait_healthy(f"http://127.0.0.1:{port}/healthz")
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()


async def wait_healthy(url: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as reply:
                    if reply.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            assert loop.time() < deadline, f"{url} never became healthy"
            await asyncio.sleep(0.1)


async def start_serving(
    tmp_path: Path, *args: str, **values: str
) -> tuple[asyncio.subprocess.Process, int]:
    port = free_port()
    env = environment(tmp_path, PORT=str(port), HOST="127.0.0.1", **values)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", *args, cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    await wait_healthy(f"http://127.0.0.1:{port}/healthz")
    return process, port


async def stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), timeout=20)
    return err.decode()


async def status_of(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, json={}) as reply:
        return reply.status


async def test_teams_without_credentials_is_served_only_with_dev(tmp_path: Path) -> None:
    process, port = await start_serving(
        tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET=SIGNING_SECRET
    )
    try:
        assert await status_of(f"http://127.0.0.1:{port}/api/messages") == 404
    finally:
        err = await stop(process)
    assert "Teams" not in err.splitlines()[0]

    process, port = await start_serving(tmp_path, "--dev")
    try:
        assert await status_of(f"http://127.0.0.1:{port}/api/messages") != 404
    finally:
        err = await stop(process)
    assert "DEVELOPMENT MODE" in err
