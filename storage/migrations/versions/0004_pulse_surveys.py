"""Team pulse surveys and their anonymous responses.

A response row is (survey, respondent key, answers) and nothing else: no user id, no
timestamp, no autoincrementing id, so what is stored cannot say who answered or when (see
`storage.surveys`). On SQLite the responses table is WITHOUT ROWID for the same reason: a rowid
would record the order in which the answers arrived.

Revision ID: 0004
Revises: 0003
Create Date: 2025-12-18 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("workspace", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.Column("launcher_key", sa.String(length=64), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("knowledge_version", sa.String(length=128), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("tally", sa.JSON(), nullable=True),
        sa.Column("results_posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("results_claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("count_refresh_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    op.create_index(
        op.f("ix_surveys_platform_workspace_channel_created_at"),
        "surveys",
        ["platform", "workspace", "channel", "created_at"],
    )
    op.create_index(op.f("ix_surveys_status_deadline"), "surveys", ["status", "deadline"])
    op.create_table(
        "survey_responses",
        sa.Column("survey_id", sa.String(length=32), nullable=False),
        sa.Column("respondent_key", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_responses_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "respondent_key", name=op.f("pk_survey_responses")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("survey_responses")
    op.drop_index(op.f("ix_surveys_status_deadline"), table_name="surveys")
    op.drop_index(op.f("ix_surveys_platform_workspace_channel_created_at"), table_name="surveys")
    op.drop_table("surveys")
