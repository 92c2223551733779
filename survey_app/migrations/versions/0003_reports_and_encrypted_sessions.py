"""Reports, stored encrypted; answers in progress encrypted too

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Answers in progress were plain JSON; they become encrypted text. They are
short-lived, so surveys in progress at the time of the upgrade are deleted
rather than converted.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("questionnaire_version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("facts", JSON, nullable=False),
        sa.Column("centre", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("session_token_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["questionnaire_version_id"], ["questionnaire_version.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
        sa.UniqueConstraint("session_token_hash"),
    )
    with op.batch_alter_table("report") as batch_op:
        batch_op.create_index("ix_report_questionnaire_id", ["questionnaire_id"])
        batch_op.create_index("ix_report_centre", ["centre"])
        batch_op.create_index("ix_report_status", ["status"])
        batch_op.create_index("ix_report_submitted_at", ["submitted_at"])

    op.execute("DELETE FROM survey_session")
    with op.batch_alter_table("survey_session") as batch_op:
        batch_op.drop_column("answers")
        batch_op.add_column(sa.Column("answers", sa.Text(), nullable=False))
        batch_op.add_column(sa.Column("centre", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_survey_session_report_id", "report", ["report_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    op.execute("DELETE FROM survey_session")
    with op.batch_alter_table("survey_session") as batch_op:
        batch_op.drop_constraint("fk_survey_session_report_id", type_="foreignkey")
        batch_op.drop_column("report_id")
        batch_op.drop_column("centre")
        batch_op.drop_column("answers")
        batch_op.add_column(sa.Column("answers", JSON, nullable=False))
    op.drop_table("report")
