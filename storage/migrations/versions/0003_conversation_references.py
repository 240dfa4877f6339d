"""Conversation references, for messaging users unprompted (team pulse surveys).

One row per (platform, workspace, user), replaced in place: the unique constraint is what
`INSERT ... ON CONFLICT (platform, workspace, user_id) DO UPDATE` resolves against.

Revision ID: 0003
Revises: 0002
Create Date: 2025-12-10 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_references",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("workspace", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_references")),
        sa.UniqueConstraint(
            "platform",
            "workspace",
            "user_id",
            name=op.f("uq_conversation_references_platform_workspace_user_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("conversation_references")
