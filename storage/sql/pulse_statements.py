"""The survey statements that differ between SQLite and PostgreSQL, each behind one function.

Both databases have `INSERT ... ON CONFLICT` and a JSON table function, with different names
and different ways of telling an insert from an update; everything dialect-specific about
surveys is here, so `storage.sql.pulse` reads the same for both. (The dialect's plain
`INSERT ... ON CONFLICT` is `storage.sql.database.dialect_insert`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Insert,
    String,
    Text,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import CompoundSelect

from storage.engine import json_text
from storage.errors import StorageError
from storage.pulse import ResponseOutcome, SurveyTally
from storage.sql.database import dialect_insert
from storage.sql.response_batches import PendingResponse, SurveyState, settle
from storage.tables import Survey, SurveyMark, SurveyResponse


def insert_new_survey(dialect: str, row: dict[str, Any]) -> Insert:
    """An INSERT of `row` into `surveys` that does nothing when the id is taken (the row count
    says which), rather than failing the transaction and logging an error on the server."""
    return (
        dialect_insert(dialect, Survey)
        .values(row)
        .on_conflict_do_nothing(index_elements=[Survey.id])
    )


async def write_responses(
    connection: AsyncConnection, dialect: str, batch: Sequence[PendingResponse]
) -> list[ResponseOutcome]:
    """Record a batch of responses in the caller's (write) transaction; each one's outcome, in
    order, as if they had been recorded one by one (`storage.sql.response_batches.settle`).

    The surveys are read first and, on PostgreSQL, locked FOR SHARE until the transaction ends
    (see `storage.sql.pulse`): a close waits for the batch, and a batch that comes after a
    close reads the survey closed. On SQLite the transaction holds the database's write lock.
    """
    surveys = await _survey_states(connection, {response.survey_id for response in batch})
    settlement = settle(batch, surveys)
    if not settlement.rows:
        return settlement.outcomes
    if dialect == "postgresql":
        added = await _upsert_returning_new(connection, settlement.rows)
    elif dialect == "sqlite":
        added = await _upsert_after_looking(connection, settlement.rows)
    else:
        raise StorageError(f"no response upsert for the {dialect} dialect")
    await _mark_responded(connection, dialect, settlement.rows)
    outcomes = list(settlement.outcomes)
    for index, row in enumerate(settlement.first_of):
        if row is not None and added[row]:
            outcomes[index] = ResponseOutcome.ADDED
    return outcomes


async def _mark_responded(
    connection: AsyncConnection, dialect: str, rows: Sequence[PendingResponse]
) -> None:
    """Mark the people whose answers `rows` write as "responded", in the batch's transaction:
    a reminder can then never go to someone whose answer is stored, and a burst pays for the
    marks in the commits it makes anyway. In key order, so that two batches marking the same
    person cannot deadlock."""
    marks = sorted({(row.survey_id, row.member_key) for row in rows if row.member_key})
    if not marks:
        return
    statement = dialect_insert(dialect, SurveyMark)
    statement = statement.on_conflict_do_update(
        index_elements=[SurveyMark.survey_id, SurveyMark.member_key], set_={"responded": True}
    )
    values = [
        {"survey_id": survey, "member_key": key, "responded": True, "reminded": False}
        for survey, key in marks
    ]
    await connection.execute(statement, values)


async def _survey_states(
    connection: AsyncConnection, survey_ids: set[str]
) -> dict[str, SurveyState]:
    # FOR SHARE on PostgreSQL; SQLite renders no locking clause.
    query = (
        select(Survey.id, Survey.status, Survey.deadline)
        .where(Survey.id.in_(sorted(survey_ids)))  # sorted: every batch locks in one order
        .with_for_update(read=True)
    )
    return {
        row.id: SurveyState(row.status, row.deadline) for row in await connection.execute(query)
    }


async def _upsert_returning_new(
    connection: AsyncConnection, rows: Sequence[PendingResponse]
) -> list[bool]:
    """PostgreSQL: one INSERT ... ON CONFLICT DO UPDATE for every row, from three arrays (one
    statement text whatever the batch's size, so asyncpg prepares it once per connection).

    Telling a new row from a replaced one must be as atomic as the write: a SELECT before it
    would see no row for two concurrent first answers of one respondent, and both would say
    ADDED. A row version this statement inserted has no xmax; one it wrote by the DO UPDATE
    carries the lock the conflict check took on the old version. Not in PostgreSQL's manual,
    but the well-known way to ask; tests/storage/test_pulse.py checks it, under concurrency,
    on every run against PostgreSQL.
    """
    written = await connection.execute(
        _UPSERT_MANY,
        {
            "survey_ids": [row.survey_id for row in rows],
            "respondent_keys": [row.respondent_key for row in rows],
            "answers": [json_text(row.answers) for row in rows],
        },
    )
    inserted = {(survey, key): bool(new) for survey, key, new in written}
    return [inserted[(row.survey_id, row.respondent_key)] for row in rows]


def _upsert_many() -> Any:
    sent = (
        func.unnest(
            bindparam("survey_ids", type_=postgresql.ARRAY(String)),
            bindparam("respondent_keys", type_=postgresql.ARRAY(String)),
            bindparam("answers", type_=postgresql.ARRAY(Text)),
        )
        .table_valued("survey_id", "respondent_key", "answers")
        .render_derived(name="sent")
    )
    statement = postgresql.insert(SurveyResponse).from_select(
        ["survey_id", "respondent_key", "answers"],
        select(sent.c.survey_id, sent.c.respondent_key, cast(sent.c.answers, JSON)),
    )
    statement = statement.on_conflict_do_update(
        index_elements=[SurveyResponse.survey_id, SurveyResponse.respondent_key],
        set_={"answers": statement.excluded.answers},
    )
    return statement.returning(
        SurveyResponse.survey_id,
        SurveyResponse.respondent_key,
        literal_column("(xmax = 0)", Boolean),
    )


_UPSERT_MANY = _upsert_many()


async def _upsert_after_looking(
    connection: AsyncConnection, rows: Sequence[PendingResponse]
) -> list[bool]:
    """SQLite: the transaction took the database's write lock at BEGIN IMMEDIATE, so nothing
    can write between the look for earlier answers and the upserts."""
    earlier: set[tuple[str, str]] = set()
    keys_of: dict[str, list[str]] = {}
    for row in rows:
        keys_of.setdefault(row.survey_id, []).append(row.respondent_key)
    for survey_id, keys in keys_of.items():
        found = await connection.execute(
            select(SurveyResponse.respondent_key).where(
                SurveyResponse.survey_id == survey_id, SurveyResponse.respondent_key.in_(keys)
            )
        )
        earlier.update((survey_id, key) for key in found.scalars())
    statement = sqlite.insert(SurveyResponse)
    statement = statement.on_conflict_do_update(
        index_elements=[SurveyResponse.survey_id, SurveyResponse.respondent_key],
        set_={"answers": statement.excluded.answers},
    )
    await connection.execute(
        statement,
        [_columns(row) for row in rows],
    )
    return [(row.survey_id, row.respondent_key) not in earlier for row in rows]


def _columns(row: PendingResponse) -> dict[str, Any]:
    return {
        "survey_id": row.survey_id,
        "respondent_key": row.respondent_key,
        "answers": row.answers,
    }


async def tally_of(connection: AsyncConnection, dialect: str, survey_id: str) -> SurveyTally:
    """The survey's tally, aggregated by the database.

    One statement, so PostgreSQL answers it from one snapshot (the respondents and the counts
    agree), and only the (question, option, n) groups travel: fetching and parsing every
    response's JSON in Python takes several times as long for a large survey.
    """
    respondents = 0
    counts: dict[str, dict[str, int]] = {}
    for question, option, n in await connection.execute(_tally_statement(dialect, survey_id)):
        if question is None:
            respondents = int(n)
        else:
            counts.setdefault(str(question), {})[str(option)] = int(n)
    ordered = {question: dict(sorted(counts[question].items())) for question in sorted(counts)}
    return SurveyTally(respondents, ordered)


def _tally_statement(dialect: str, survey_id: str) -> CompoundSelect[Any, Any, int]:
    """(NULL, NULL, respondents), then (question, option, n) for every chosen option."""
    each: Any
    if dialect == "postgresql":
        each = func.json_each_text  # the column is `json`; `_text` gives the values as text
    elif dialect == "sqlite":
        each = func.json_each  # gives string values as text already
    else:
        raise StorageError(f"no JSON tally for the {dialect} dialect")
    pairs = each(SurveyResponse.answers).table_valued("key", "value", name="pair")
    of_survey = SurveyResponse.survey_id == survey_id
    respondents = select(literal(None), literal(None), func.count()).where(of_survey)
    # The table function reads a column of the row it is joined to (implicitly LATERAL on
    # PostgreSQL; SQLite's table-valued functions may always do so).
    counts = (
        select(pairs.c.key, pairs.c.value, func.count())
        .select_from(SurveyResponse)
        .join(pairs, true())
        .where(of_survey)
        .group_by(pairs.c.key, pairs.c.value)
    )
    return respondents.union_all(counts)
