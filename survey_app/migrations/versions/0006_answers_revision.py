"""Survey sessions count their saves, so that answers saved at the same moment are never lost

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("survey_session") as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("0")))


def downgrade():
    with op.batch_alter_table("survey_session") as batch_op:
        batch_op.drop_column("revision")
