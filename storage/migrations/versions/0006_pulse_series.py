"""Recurring pulse surveys: the series, each survey's place in one (its round), the leases of
posting a round's card and of sending private reminders, and the marks of who responded or
was reminded (member keys only, deleted when the survey closes).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_series",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("workspace", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.Column("launcher", sa.String(length=255), nullable=False),
        sa.Column("launcher_key", sa.String(length=64), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("round_seconds", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("remind", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_open_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("next_occurrence", sa.Integer(), nullable=False),
        sa.Column("next_round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paused_reason", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_series")),
    )
    op.create_index(
        op.f("ix_survey_series_platform_workspace_channel_created_at"),
        "survey_series",
        ["platform", "workspace", "channel", "created_at"],
    )
    op.create_index(
        op.f("ix_survey_series_status_next_open_at"), "survey_series", ["status", "next_open_at"]
    )
    # Plain ADD COLUMNs and an index: SQLite does both in place (no batch table rebuild).
    op.add_column("surveys", sa.Column("series_id", sa.String(length=32), nullable=True))
    op.add_column("surveys", sa.Column("round_number", sa.Integer(), nullable=True))
    op.add_column(
        "surveys", sa.Column("card_claimed_until", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "surveys", sa.Column("reminders_claimed_until", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        op.f("ix_surveys_series_id_round_number"),
        "surveys",
        ["series_id", "round_number"],
        unique=True,
    )
    op.create_table(
        "survey_marks",
        sa.Column("survey_id", sa.String(length=32), nullable=False),
        sa.Column("member_key", sa.String(length=64), nullable=False),
        sa.Column("responded", sa.Boolean(), nullable=False),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_marks_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "member_key", name=op.f("pk_survey_marks")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("survey_marks")
    op.drop_index(op.f("ix_surveys_series_id_round_number"), table_name="surveys")
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("reminders_claimed_until")
        batch.drop_column("card_claimed_until")
        batch.drop_column("round_number")
        batch.drop_column("series_id")
    op.drop_index(op.f("ix_survey_series_status_next_open_at"), table_name="survey_series")
    op.drop_index(
        op.f("ix_survey_series_platform_workspace_channel_created_at"), table_name="survey_series"
    )
    op.drop_table("survey_series")
