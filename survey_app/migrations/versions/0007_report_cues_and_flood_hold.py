"""Reports: the risk cues their answers show, and whether one is held apart as a possible flood

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("report") as batch_op:
        batch_op.add_column(sa.Column("risk_cues", JSON, nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("held_reason", sa.String(length=16), nullable=True))
        batch_op.create_index("ix_report_held", ["held"])


def downgrade():
    with op.batch_alter_table("report") as batch_op:
        batch_op.drop_index("ix_report_held")
        batch_op.drop_column("held_reason")
        batch_op.drop_column("held")
        batch_op.drop_column("risk_cues")
