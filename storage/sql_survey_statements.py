"""The survey statements that differ between SQLite and PostgreSQL, each behind one function.

Both databases have `INSERT ... ON CONFLICT` and a JSON table function, with different names
and different ways of telling an insert from an update; everything dialect-specific about
surveys is here, so `storage.sql_surveys` reads the same for both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Insert, and_, func, literal, literal_column, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import CompoundSelect

from storage.repository import StorageError
from storage.surveys import ResponseOutcome, SurveyTally
from storage.tables import Survey, SurveyResponse


def insert_new_survey(dialect: str, row: dict[str, Any]) -> Insert:
    """An INSERT of `row` into `surveys` that does nothing when the id is taken (the row count
    says which), rather than failing the transaction and logging an error on the server."""
    return _insert(dialect, Survey).values(row).on_conflict_do_nothing(index_elements=[Survey.id])


async def upsert_response(
    connection: AsyncConnection,
    dialect: str,
    survey_id: str,
    respondent_key: str,
    answers: dict[str, str],
) -> ResponseOutcome:
    """Insert the respondent's answers or replace their earlier ones, in one statement.

    The caller holds the survey open for the transaction (see `SqlSurveys.record_response`).
    Telling ADDED from REPLACED must be as atomic as the write itself: a SELECT before it
    would see no row for two concurrent first answers of one respondent, and both would say
    ADDED.
    """
    statement = _insert(dialect, SurveyResponse).values(
        survey_id=survey_id, respondent_key=respondent_key, answers=answers
    )
    statement = statement.on_conflict_do_update(
        index_elements=[SurveyResponse.survey_id, SurveyResponse.respondent_key],
        set_={"answers": statement.excluded.answers},
    )
    if dialect == "postgresql":
        # A row version this statement inserted has no xmax; one it wrote by the DO UPDATE
        # carries the lock the conflict check took on the old version. Not in PostgreSQL's
        # manual, but the well-known way to ask; tests/storage/test_surveys.py checks it, under
        # concurrency, on every run against PostgreSQL.
        inserted = literal_column("(xmax = 0)", Boolean)
        added = (await connection.execute(statement.returning(inserted))).scalar_one()
        return ResponseOutcome.ADDED if added else ResponseOutcome.REPLACED
    # SQLite: the transaction took the database's write lock at BEGIN IMMEDIATE, so nothing
    # can write between this look and the upsert.
    earlier = await connection.scalar(
        select(literal(1)).where(_is_response(survey_id, respondent_key))
    )
    await connection.execute(statement)
    return ResponseOutcome.ADDED if earlier is None else ResponseOutcome.REPLACED


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


def _insert(
    dialect: str, table: type[Survey] | type[SurveyResponse]
) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT, which has `on_conflict_do_nothing` / `on_conflict_do_update`."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise StorageError(f"no INSERT ... ON CONFLICT for the {dialect} dialect")


def _is_response(survey_id: str, respondent_key: str) -> Any:
    return and_(
        SurveyResponse.survey_id == survey_id, SurveyResponse.respondent_key == respondent_key
    )
