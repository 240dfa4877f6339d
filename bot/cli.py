"""`advisor` (also `python -m bot`): the console chat and the admin commands.

Exit codes: 0 success, 1 the input is wrong (broken knowledge, nothing to do), 2 usage or
configuration errors. Messages say what to fix; no stack traces.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiohttp import web
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.app import build_app
from bot.authoring.answer_tests import Thresholds, answer_test_command, default_answers_file
from bot.authoring.quality import load_with_warnings
from bot.authoring.quality import summary as warnings_summary
from bot.config import (
    ConfigError,
    Settings,
    SlackConfig,
    TeamsConfig,
    load_settings,
    slack_config,
    survey_secret,
    teams_config,
)
from bot.engine.index import index_for
from bot.engine.replies import Summary
from bot.handlers.console import run_console, stdin_reader, write_report
from bot.handlers.console_render import source_line
from bot.handlers.teams.package import PACKAGE_NAME, PackageError, build_package, next_steps
from bot.knowledge import Knowledge, KnowledgeError, load_knowledge
from bot.logs import configure_logging
from bot.views.catalogue import (
    GOODBYE,
    NO_RESULT_FOR_REPORT,
    OUTPUT_HINT,
    report_not_written,
    report_written,
)
from storage.conversations import ConversationKey
from storage.errors import StorageError
from storage.migrate import current, upgrade
from storage.url import is_memory_sqlite, redacted

log = logging.getLogger(__name__)


class UsageError(Exception):
    """The command line asked for something that cannot be done; exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="advisor", description="AI Ownership Advisor: who should own your AI work?"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="take the diagnostic in the terminal")
    chat.add_argument("--user", help="whose conversation (default: your login name)")

    report = commands.add_parser("report", help="your latest result as a one-page PDF")
    report.add_argument(
        "--user", metavar="NAME", help="whose result (default: your login name, as for chat)"
    )
    report.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="the PDF to write, or a folder to write it in (default: this folder), named "
        "ai-ownership-advisor-DATE.pdf unless a file name is given",
    )

    knowledge = commands.add_parser("knowledge", help="validate the knowledge files")
    knowledge_commands = knowledge.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = knowledge_commands.add_parser("check", help="validate a knowledge folder")
    check.add_argument("directory", nargs="?", type=Path, help="default: the configured one")
    check.add_argument(
        "--warnings",
        action="store_true",
        help="list every warning with its file:line (default: a count of each kind)",
    )
    reload = knowledge_commands.add_parser(
        "reload", help="reload the knowledge of a running server (needs ADMIN_TOKEN)"
    )
    reload.add_argument("--url", help="the server's base URL (default: http://127.0.0.1:$PORT)")
    test = knowledge_commands.add_parser("test", help="run example answers through the matcher")
    test.add_argument(
        "file",
        nargs="?",
        type=Path,
        help="answer tests (default: the knowledge's tests/answers.yml)",
    )
    test.add_argument("--knowledge", type=Path, help="knowledge folder to use")
    test.add_argument(
        "--fail-under", type=float, metavar="PERCENT", help="exit 1 when fewer are understood"
    )
    test.add_argument(
        "--fail-under-kind",
        type=float,
        metavar="PERCENT",
        help="exit 1 when fewer of any one kind of answer are understood",
    )
    test.add_argument(
        "--max-wrong",
        type=float,
        metavar="PERCENT",
        help="exit 1 when more answers than this get a wrong option",
    )

    match = commands.add_parser("match", help="how a free-text answer would be understood")
    match.add_argument("question_id")
    match.add_argument("text")
    match.add_argument("--knowledge", type=Path, help="knowledge folder to use")

    ask = commands.add_parser("ask", help="the snippets nearest to a question")
    ask.add_argument("text")
    ask.add_argument("--json", action="store_true", help="print JSON")
    ask.add_argument("--limit", type=int, default=3, help="how many snippets (default 3)")
    ask.add_argument("--knowledge", type=Path, help="knowledge folder to use")

    serve = commands.add_parser(
        "serve", help="run the web server (Slack at /slack/events, Teams at /api/messages)"
    )
    serve.add_argument("--host", help="interface to listen on (default HOST or 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port (default PORT or 3000)")
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="receive Slack over Socket Mode (SLACK_APP_TOKEN) instead of HTTP",
    )
    serve.add_argument(
        "--dev",
        action="store_true",
        help="serve /api/messages without Teams credentials (Bot Framework Emulator only)",
    )

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations up to the latest")
    db_commands.add_parser("current", help="print the schema revision in use")

    teams = commands.add_parser("teams", help="Microsoft Teams app package")
    teams_commands = teams.add_subparsers(dest="action", required=True, metavar="ACTION")
    package = teams_commands.add_parser("package", help="build the zip to upload in Teams")
    package.add_argument("--app-id", help="the Microsoft App ID (default MICROSOFT_APP_ID)")
    package.add_argument(
        "--out",
        type=Path,
        default=Path(PACKAGE_NAME),
        help=f"zip to write (default {PACKAGE_NAME})",
    )
    package.add_argument("--website", help="https:// URL of your site (default: the project's)")
    package.add_argument("--domain", help="the bot's host name, e.g. advisor.example.com")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        return _dispatch(args, settings)
    except BrokenPipeError:
        # `advisor ask ... | head`: the reader has all it wanted. Point stdout at /dev/null so
        # that the interpreter's last flush does not fail again on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (ConfigError, StorageError, UsageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KnowledgeError as error:
        # Plain prints: one problem per line, never wrapped, so editors can jump to file:line.
        print(f"knowledge has {len(error.problems)} problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    except Exception as error:
        trouble = None if settings is None else _environment_problem(error, args, settings)
        if trouble is None:
            raise
        print(f"error: {trouble}", file=sys.stderr)
        return 2


def _environment_problem(
    error: Exception, args: argparse.Namespace, settings: Settings
) -> str | None:
    """One line on what to fix when the machine, not the advisor, is the problem: a port in
    use, a database that cannot be reached or refuses us. None for anything else (a bug: its
    traceback is worth having)."""
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return (
            f"cannot listen on port {getattr(args, 'port', None) or settings.port}: "
            "the address is in use (another `advisor serve`?). Choose another with --port"
        )
    from_database = isinstance(error, (OSError, SQLAlchemyError)) or type(
        error
    ).__module__.startswith("asyncpg")
    if not from_database or args.command not in ("chat", "db", "report", "serve"):
        return None
    reason = getattr(error, "strerror", None) or str(error).splitlines()[0][:200]
    return (
        f"cannot use the database at {redacted(settings.database_url)}: {reason}. "
        "Check DATABASE_URL and that the "
        "database is running (`make chat` needs none: it uses a SQLite file)"
    )


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "chat":
        try:
            return asyncio.run(_chat(settings, args.user or _login_name()))
        except KeyboardInterrupt:
            # Ctrl-C is a way to leave, like `quit`: every answer given is already stored.
            print(f"\n{GOODBYE}")
            return 0
    if args.command == "report":
        return _report(settings, args.user or _login_name(), args.output)
    if args.command == "knowledge" and args.action == "test":
        return _test_answers(args, settings)
    if args.command == "knowledge" and args.action == "reload":
        from bot.admin.client import knowledge_reload  # the web client only where it is used

        return knowledge_reload(settings, args.url)
    if args.command == "knowledge":
        return _check(args.directory or settings.knowledge_path, list_warnings=args.warnings)
    if args.command == "match":
        return _match(_knowledge(args, settings), args.question_id, args.text)
    if args.command == "ask":
        return _ask(_knowledge(args, settings), args.text, args.limit, args.json)
    if args.command == "serve":
        host, port = args.host or settings.host, args.port or settings.port
        return _serve(settings, host, port, socket_mode=args.socket_mode, dev=args.dev)
    if args.command == "teams":
        return _teams_package(args, settings)
    if args.action == "upgrade":
        asyncio.run(upgrade(settings.database_url))
        print(f"database at revision {asyncio.run(current(settings.database_url))}")
        return 0
    print(asyncio.run(current(settings.database_url)) or "empty (run `advisor db upgrade`)")
    return 0


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


async def _chat(settings: Settings, user: str) -> int:
    app = await build_app(settings)
    console = Console()
    try:
        key = _console_key(user)
        reader = stdin_reader(console, interactive=sys.stdin.isatty())
        await run_console(app.service, key, reader, console)
    finally:
        await app.close()
    return 0


def _report(settings: Settings, user: str, output: Path | None) -> int:
    """The console user's latest result, the summary the chat shows, written as a PDF."""
    # A SQLite file that is not there holds no result: none is made just to find that out.
    missing = _no_database_file(settings.database_url)
    summary = None if missing else asyncio.run(_latest_summary(settings, _console_key(user)))
    if summary is None:
        print(NO_RESULT_FOR_REPORT, file=sys.stderr)
        return 1
    try:
        path, size = write_report(summary, output)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        where = str(error.filename or output or ".")
        print(f"error: {report_not_written(where, reason, hint=OUTPUT_HINT)}", file=sys.stderr)
        return 2
    print(report_written(str(path), size))
    return 0


async def _latest_summary(settings: Settings, key: ConversationKey) -> Summary | None:
    app = await build_app(settings)
    try:
        return (await app.service.overview(key)).summary
    finally:
        await app.close()


def _console_key(user: str) -> ConversationKey:
    """Whose conversation the console holds: `advisor chat --user` and `advisor report --user`."""
    return ConversationKey("console", "local", user)


def _no_database_file(url: str) -> bool:
    """Whether `url` names a SQLite file that does not exist (yet)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False  # build_app says what is wrong with it
    return (
        parsed.get_backend_name() == "sqlite"
        and not is_memory_sqlite(parsed)
        and not Path(parsed.database or "").exists()
    )


def _platforms(
    settings: Settings, *, socket_mode: bool, dev: bool
) -> tuple[SlackConfig | None, TeamsConfig | None]:
    """Both platforms' settings checked, every problem of both named in one error (fixing
    one setting at a time, restart after restart, is no way to configure a server)."""
    problems: list[str] = []
    slack: SlackConfig | None = None
    teams: TeamsConfig | None = None
    try:
        slack = slack_config(settings, socket_mode=socket_mode)
    except ConfigError as error:
        problems.append(str(error))
    try:
        teams = teams_config(settings, dev=dev)
    except ConfigError as error:
        problems.append(str(error))
    if problems:
        raise ConfigError("; ".join(problems))
    return slack, teams


def _serve(settings: Settings, host: str, port: int, *, socket_mode: bool, dev: bool) -> int:
    slack, teams = _platforms(settings, socket_mode=socket_mode, dev=dev)
    if slack is None and teams is None:
        raise ConfigError(
            "no chat platform is configured. Slack: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN "
            "(one workspace) or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET "
            "(OAuth install). Teams: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, or run "
            "`advisor serve --dev` for the Bot Framework Emulator. See .env.example"
        )
    survey_key = survey_secret(settings, dev=dev)

    # The web stack (Slack, Teams, aiohttp routes) is imported only to serve: `advisor chat`
    # and the knowledge commands start a second sooner without it.
    from bot.observability.slow_clients import KEEPALIVE_SECONDS
    from bot.server import build_web_app

    async def start() -> web.Application:
        # botbuilder's connector client sends with `requests` on the default executor (and
        # sleeps there between retries of an unreachable connector): sized for those calls
        # rather than for the CPU count (six threads on two cores), so they do not queue
        # behind each other nor hold up the knowledge loads and charts that use it too.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=BLOCKING_CALLS, thread_name_prefix="advisor-io")
        )
        app = await build_app(settings, survey_key=survey_key)
        web_app = build_web_app(app, slack, teams, socket_mode=socket_mode)
        # What start-up built (knowledge, indexes, SDK and SQLAlchemy objects) lives as long
        # as the process: moved out of the collector's reach, every full collection under
        # load no longer walks it again.
        gc.collect()
        gc.freeze()
        return web_app

    served = []
    if slack is not None:
        mode = "socket mode" if socket_mode else ("OAuth install" if slack.oauth else "token")
        served.append(f"Slack ({mode})")
    if teams is not None:
        served.append("Teams (DEVELOPMENT MODE, unauthenticated)" if teams.dev else "Teams")
    line = f"AI Ownership Advisor on http://{host}:{port}: {', '.join(served)}"
    # On SIGTERM aiohttp stops accepting, then waits for requests under way (bounded). The
    # line is printed once the port is bound: not before a failure to bind it.
    web.run_app(
        start(),
        host=host,
        port=port,
        print=lambda _started: print(line, file=sys.stderr, flush=True),
        access_log=None,
        shutdown_timeout=settings.shutdown_grace_seconds,
        keepalive_timeout=KEEPALIVE_SECONDS,  # idle keep-alive connections are closed
    )
    return 0


# Threads for blocking calls (see `_serve`): the Teams turns that may run at once, several
# calls each.
BLOCKING_CALLS = 32


def _teams_package(args: argparse.Namespace, settings: Settings) -> int:
    app_id = (args.app_id or settings.microsoft_app_id or "").strip()
    if not app_id:
        raise ConfigError("no Microsoft App ID: set MICROSOFT_APP_ID or pass --app-id")
    try:
        path = build_package(app_id, args.out, website=args.website, domain=args.domain)
    except PackageError as error:
        raise UsageError(str(error)) from error
    print(next_steps(path, args.domain))
    return 0


def _knowledge(args: argparse.Namespace, settings: Settings) -> Knowledge:
    return load_knowledge(args.knowledge or settings.knowledge_path)


def _check(directory: Path, *, list_warnings: bool) -> int:
    """`OK` with the counts, then the warnings: one line counting them by kind, or (with
    --warnings) each with its file:line. Warnings never fail the check; errors do (main())."""
    knowledge, warnings = load_with_warnings(directory)  # KnowledgeError: reported by main()
    print(
        f"OK {directory}: {len(knowledge.sources)} sources, {len(knowledge.models)} models, "
        f"{len(knowledge.dimensions)} dimensions, {len(knowledge.questions)} questions "
        f"({len(knowledge.pulse_questions)} in the pulse), {len(knowledge.snippets)} snippets; "
        f"version {knowledge.version}{'' if warnings else '; no warnings'}",
        flush=True,  # first, even when stdout is a pipe and stderr a terminal
    )
    if not warnings:
        return 0
    if list_warnings:
        for warning in warnings:
            print(warning, file=sys.stderr)
        print(warnings_summary(warnings), file=sys.stderr)
    else:
        print(f"{warnings_summary(warnings)}; run with --warnings to list them", file=sys.stderr)
    return 0


def _test_answers(args: argparse.Namespace, settings: Settings) -> int:
    directory = args.knowledge or settings.knowledge_path
    knowledge = load_knowledge(directory)  # KnowledgeError: reported by main()
    file = args.file or default_answers_file(directory)
    try:
        thresholds = Thresholds(args.fail_under, args.fail_under_kind, args.max_wrong)
        output = answer_test_command(file, knowledge, thresholds)
    except ValueError as error:  # a threshold outside 0-100
        raise UsageError(str(error)) from error
    for line in output.stdout:
        print(line)
    for line in output.stderr:
        print(line, file=sys.stderr)
    return output.code


def _match(knowledge: Knowledge, question_id: str, text: str) -> int:
    index = index_for(knowledge)
    question = knowledge.question(question_id)
    if question is None:
        known = ", ".join(q.id for q in knowledge.questions)
        raise UsageError(f"unknown question '{question_id}'; the questions are: {known}")
    match, hits = index.understand(question_id, text)
    labels = {option.id: option.label for option in question.options}
    best = match.best
    chosen_score = best.score if best and match.chosen else None
    result = {
        "question_id": question_id,
        "option_id": match.chosen,
        "label": labels.get(match.chosen) if match.chosen else None,
        "score": chosen_score,
        "by_position": match.by_position,
        "runners_up": [
            {"option_id": s.option_id, "label": labels[s.option_id], "score": s.score}
            for s in match.ranked
            if s.option_id != match.chosen
        ],
        "clarify_with": list(match.candidates),
        "snippets": [_snippet_json(knowledge, hit.snippet.id, hit.score) for hit in hits],
        "knowledge_version": knowledge.version,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def _ask(knowledge: Knowledge, text: str, limit: int, as_json: bool) -> int:
    if limit < 1:
        raise UsageError("--limit must be 1 or more")
    index = index_for(knowledge)
    hits = index.snippets.search(text, limit=limit, diverse=True)
    if as_json:
        snippets = [_snippet_json(knowledge, hit.snippet.id, hit.score) for hit in hits]
        payload = {"query": text, "snippets": snippets, "knowledge_version": knowledge.version}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    console = Console()
    if not hits:
        console.print("No snippet matches that; try other words.", markup=False)
    for number, hit in enumerate(hits, 1):
        view = index.snippet_view(hit.snippet, hit.score)
        console.print(f"{number}. {view.text}", markup=False, highlight=False)
        console.print(
            f"   — {source_line(view)} [{view.id}, score {hit.score}]",
            markup=False,
            style="dim",
        )
    return 0


def _snippet_json(knowledge: Knowledge, snippet_id: str, score: float) -> dict[str, Any]:
    snippet = knowledge.snippet(snippet_id)
    assert snippet is not None  # ids come from this knowledge's own index
    source = knowledge.source(snippet.source)
    return {
        "id": snippet.id,
        "score": score,
        "text": snippet.text,
        "quote": snippet.quote,
        "models": list(snippet.models),
        "source": {
            "id": snippet.source,
            "title": source.title if source else None,
            "author": source.author if source else None,
            "file": source.file if source else None,
        },
    }
