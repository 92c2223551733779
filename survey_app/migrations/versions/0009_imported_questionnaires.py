"""questionnaires imported from spreadsheets (XLSForm), kept in the database

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Every instance serves the same imported questionnaires, so they are kept here rather than in the
app's folders: each version as uploaded, its definition and translations, draft or published.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade():
    op.create_table(
        "imported_questionnaire",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("translations", JSON, nullable=False),
        sa.Column("languages", JSON, nullable=False),
        sa.Column("missing", JSON, nullable=False),
        sa.Column("spreadsheet", sa.LargeBinary(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=255), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("questionnaire_id", "version"),
    )
    op.create_index("ix_imported_questionnaire_questionnaire_id", "imported_questionnaire", ["questionnaire_id"])


def downgrade():
    op.drop_index("ix_imported_questionnaire_questionnaire_id", table_name="imported_questionnaire")
    op.drop_table("imported_questionnaire")
