"""Insight: response quality, analysts' reviews, uploaded margins, open/closed surveys, channels

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("response") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("client_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("answers_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("quality_flags", JSON, nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("excluded", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index("ix_response_client_hash", ["client_hash"])
        batch_op.create_index("ix_response_flagged", ["flagged"])
        batch_op.create_index("ix_response_excluded", ["excluded"])
    with op.batch_alter_table("survey_session") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=64), nullable=True))

    op.create_table(
        "response_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["response_id"], ["response.id"], name="fk_response_review_response_id",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"], name="fk_response_review_user_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_response_review_response_id", "response_review", ["response_id"])

    op.create_table(
        "margins_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["staff_user.id"], name="fk_margins_file_uploaded_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "questionnaire_setting",
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["changed_by_id"], ["staff_user.id"],
                                name="fk_questionnaire_setting_changed_by_id"),
        sa.PrimaryKeyConstraint("questionnaire_id"),
    )


def downgrade():
    op.drop_table("questionnaire_setting")
    op.drop_table("margins_file")
    op.drop_index("ix_response_review_response_id", table_name="response_review")
    op.drop_table("response_review")
    with op.batch_alter_table("survey_session") as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("response") as batch_op:
        batch_op.drop_index("ix_response_excluded")
        batch_op.drop_index("ix_response_flagged")
        batch_op.drop_index("ix_response_client_hash")
        for column in ("excluded", "flagged", "quality_flags", "answers_hash", "client_hash", "channel"):
            batch_op.drop_column(column)
