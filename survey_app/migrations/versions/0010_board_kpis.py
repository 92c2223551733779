"""the board's KPIs: recorded crime counted from the police's files, figures entered each quarter,
the KPI register's saved versions and data owners' KPIs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

Crime is kept as counts (month, force, district, crime type), not as the files' rows: a year of
Greater Manchester files is about 400,000 rows, and every figure the board sees is a sum of counts.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade():
    op.create_table(
        "crime_import",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("force", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("crimes", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("month", "force"),
    )
    op.create_index("ix_crime_import_month", "crime_import", ["month"])
    op.create_table(
        "crime_count",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("force", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("crime_type", sa.String(length=100), nullable=False),
        sa.Column("crimes", sa.Integer(), nullable=False),
    )
    op.create_index("ix_crime_count_month", "crime_count", ["month"])
    op.create_table(
        "crime_left_out",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("force", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
    )
    op.create_index("ix_crime_left_out_month", "crime_left_out", ["month"])
    op.create_table(
        "kpi_figure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kpi_id", sa.String(length=64), nullable=False),
        sa.Column("figure_id", sa.String(length=64), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("entered_by", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.UniqueConstraint("figure_id", "quarter", "revision"),
    )
    op.create_index("ix_kpi_figure_kpi_id", "kpi_figure", ["kpi_id"])
    op.create_index("ix_kpi_figure_quarter", "kpi_figure", ["quarter"])
    op.create_table(
        "kpi_register_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("register", JSON, nullable=False),
        sa.Column("saved_by", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "kpi_owner",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kpi_id", sa.String(length=64), nullable=False),
        sa.UniqueConstraint("user_id", "kpi_id"),
    )
    op.create_index("ix_kpi_owner_user_id", "kpi_owner", ["user_id"])


def downgrade():
    op.drop_index("ix_kpi_owner_user_id", table_name="kpi_owner")
    op.drop_table("kpi_owner")
    op.drop_table("kpi_register_version")
    op.drop_index("ix_kpi_figure_quarter", table_name="kpi_figure")
    op.drop_index("ix_kpi_figure_kpi_id", table_name="kpi_figure")
    op.drop_table("kpi_figure")
    op.drop_index("ix_crime_left_out_month", table_name="crime_left_out")
    op.drop_table("crime_left_out")
    op.drop_index("ix_crime_count_month", table_name="crime_count")
    op.drop_table("crime_count")
    op.drop_index("ix_crime_import_month", table_name="crime_import")
    op.drop_table("crime_import")
