"""staff accounts are never locked: drop the lock columns

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Sign-in failures are counted per account and address in the rate-limit store (ADR 0018), so
nothing reads `failed_attempts` or `locked_until` any more, and keeping them would leave a way to
lock an account for everyone. They held only the state of the old lockout: no one's data is lost.
Downgrading adds them back, every account unlocked.
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_attempts")


def downgrade():
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.add_column(sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
