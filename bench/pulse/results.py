"""The results of a survey with 10,000 responses, timed on SQLite and PostgreSQL: the tally
and the results shown, closing, the chart, and fetching every answer to count in Python."""

from __future__ import annotations

import random
import secrets
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from bench.harness.postgres import admin_connection, fresh_schema, schema_url
from bench.harness.slack import user_id
from bench.pulse.plan import SEED, pick_answers, tally_of_answers, tally_problems
from bot.engine.pulse import PulseResults, pulse_results
from bot.knowledge import Knowledge
from bot.pulse.chart import results_chart_png
from bot.pulse.keys import PulseKeys
from storage.migrate import upgrade_engine
from storage.pulse import SurveyRecord, SurveyTally
from storage.sql import SqlStorage
from storage.tables import Survey, SurveyResponse
from testing.fakes.workspace import GENERAL_CHANNEL, TEAM_ID

RESULTS_BAR_MS = 200.0
RESULTS_RESPONSES = 10_000


@dataclass(frozen=True)
class ResultsTiming:
    """Medians (ms) for one database, over `repeats` runs."""

    database: str
    responses: int
    repeats: int
    results_ms: float  # tally_responses + pulse_results: the results shown
    tally_ms: float  # tally_responses alone
    close_ms: float  # close_survey: closing and storing the tally in one transaction
    chart_ms: float  # results_chart_png of those results
    baseline_ms: float  # fetch every answer row, count with collections.Counter
    insert_seconds: float  # the bulk insert of the responses (untimed setup, for scale)
    correct: bool
    problems: list[str]


async def time_ms(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = await work()
    return (time.perf_counter() - started) * 1000, value


async def counter_baseline(repository: SqlStorage, survey: str) -> SurveyTally:
    """Fetch every response's answers (JSON, decoded by the driver and SQLAlchemy) and count
    them with collections.Counter: what the database's aggregation saves."""
    query = select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey)
    async with repository.database.engine.connect() as connection:
        rows = (await connection.execute(query)).scalars().all()
    pairs = Counter((q, o) for answers in rows for q, o in answers.items())
    counts: dict[str, dict[str, int]] = {}
    for (question, option), n in pairs.items():
        counts.setdefault(question, {})[option] = n
    return SurveyTally(len(rows), {q: dict(sorted(counts[q].items())) for q in sorted(counts)})


async def results_timing(
    database: str, url: str, knowledge: Knowledge, responses: int, repeats: int
) -> ResultsTiming:
    repository = SqlStorage.from_url(url)
    try:
        await upgrade_engine(repository.database.engine)
        return await _results_timing(database, repository, knowledge, responses, repeats)
    finally:
        await repository.close()


async def _results_timing(
    database: str,
    repository: SqlStorage,
    knowledge: Knowledge,
    responses: int,
    repeats: int,
) -> ResultsTiming:
    keys = PulseKeys(secrets.token_bytes(32))
    now = datetime.now(UTC)
    questions = {q.id: [o.id for o in q.options] for q in knowledge.pulse_questions}
    survey = SurveyRecord(
        id=uuid.uuid4().hex,
        platform="slack",
        workspace=TEAM_ID,
        channel=GENERAL_CHANNEL,
        launcher_key=keys.launcher("slack", TEAM_ID, "U0LAUNCH"),
        question_ids=tuple(questions),
        knowledge_version=knowledge.version,
        threshold=5,
        created_at=now,
        deadline=now + timedelta(days=3),
    )
    await repository.pulse.create_survey(survey)
    rng = random.Random(SEED)
    answers = [pick_answers(questions, rng) for _ in range(responses)]
    rows = [
        {
            "survey_id": survey.id,
            "respondent_key": keys.respondent("slack", TEAM_ID, survey.id, user_id(n)),
            "answers": person,
        }
        for n, person in enumerate(answers, 1)
    ]
    started = time.perf_counter()
    async with repository.database.engine.begin() as connection:
        await connection.execute(insert(SurveyResponse), rows)
    insert_seconds = time.perf_counter() - started
    expected = tally_of_answers(answers)
    problems: list[str] = []
    if (counted := await repository.pulse.count_responses(survey.id)) != responses:
        problems.append(f"{counted} responses stored, expected {responses}")

    async def shown() -> tuple[SurveyTally, PulseResults]:
        tally = await repository.pulse.tally_responses(survey.id)
        results = pulse_results(
            tally.respondents, tally.counts, survey.question_ids, knowledge, survey.threshold
        )
        return tally, results

    async def tally_only() -> SurveyTally:
        return await repository.pulse.tally_responses(survey.id)

    async def close() -> SurveyRecord | None:
        return await repository.pulse.close_survey(survey.id, datetime.now(UTC))

    async def baseline() -> SurveyTally:
        return await counter_baseline(repository, survey.id)

    times: dict[str, list[float]] = {name: [] for name in ("results", "tally", "close", "base")}
    chart: list[float] = []
    for repeat in range(repeats):
        # The baseline and ours alternate which goes first.
        steps = [("base", baseline), ("results", shown), ("tally", tally_only)]
        for name, work in steps if repeat % 2 == 0 else reversed(steps):
            ms, value = await time_ms(work)
            times[name].append(ms)
            tally = value[0] if name == "results" else value
            if repeat == 0:
                problems += [f"{name}: {p}" for p in tally_problems(tally, expected)]
            if name == "results":
                results = value[1]
        ms, closed = await time_ms(close)
        times["close"].append(ms)
        if repeat == 0:
            if closed is None or closed.tally is None:
                problems.append("close: the survey was not closed")
            else:
                problems += [f"close: {p}" for p in tally_problems(closed.tally, expected)]
        async with repository.database.engine.begin() as connection:  # open again, untimed
            await connection.execute(
                update(Survey)
                .where(Survey.id == survey.id)
                .values(status="open", closed_at=None, tally=None)
            )
        started = time.perf_counter()
        png = results_chart_png(results)
        chart.append((time.perf_counter() - started) * 1000)
        if repeat == 0 and not png:
            problems.append("chart: nothing drawn")
    return ResultsTiming(
        database=database,
        responses=responses,
        repeats=repeats,
        results_ms=statistics.median(times["results"]),
        tally_ms=statistics.median(times["tally"]),
        close_ms=statistics.median(times["close"]),
        chart_ms=statistics.median(chart),
        baseline_ms=statistics.median(times["base"]),
        insert_seconds=insert_seconds,
        correct=not problems,
        problems=problems,
    )


async def postgres_results_timing(base: str, knowledge: Knowledge, repeats: int) -> ResultsTiming:
    """`results_timing` in a scratch schema of the PostgreSQL server at `base`, dropped after."""
    admin = await admin_connection(base)
    try:
        async with fresh_schema(admin, "adv_bench_results") as schema:
            url = schema_url(base, schema, f"advisor-bench-results-{schema}")
            return await results_timing("postgresql", url, knowledge, RESULTS_RESPONSES, repeats)
    finally:
        await admin.close()
