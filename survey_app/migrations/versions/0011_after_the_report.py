"""after the report: the reporter's memorable word and safe contact, checks on a report, messages
both ways, consent to share, referrals, risk checklists; audit records of the reporter's own acts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

Everything a reporter or caseworker wrote is encrypted like the report (Text columns holding
Fernet tokens). What stays readable identifies no one: which organisations consent covers, a
referral's destination and outcome, a report's risk level, for the queue and the board's counts.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _report_fk(table: str) -> sa.Column:
    return sa.Column(
        "report_id",
        sa.Integer(),
        sa.ForeignKey("report.id", name=f"fk_{table}_report_id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade():
    with op.batch_alter_table("report") as batch_op:
        batch_op.add_column(sa.Column("risk_level", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("risk_step", JSON, nullable=True))
        batch_op.add_column(
            sa.Column("reporter_wrote", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_report_risk_level", ["risk_level"])
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)

    op.create_table(
        "report_access",
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey("report.id", name="fk_report_access_report_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("word_hash", sa.String(length=255), nullable=True),
        sa.Column("word_set_at", sa.DateTime(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("setup_token_hash", sa.String(length=64), nullable=True, unique=True),
        sa.Column("setup_expires_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "check_attempt",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "check_visit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        _report_fk("check_visit"),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_check_visit_report_id", "check_visit", ["report_id"])
    op.create_table(
        "report_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        _report_fk("report_message"),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column(
            "author_id", sa.Integer(), sa.ForeignKey("staff_user.id", name="fk_report_message_author_id")
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_report_message_report_id", "report_message", ["report_id"])
    op.create_table(
        "report_consent",
        sa.Column("id", sa.Integer(), primary_key=True),
        _report_fk("report_consent"),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("contact_details", JSON, nullable=False),
        sa.Column("what_happened", JSON, nullable=False),
    )
    op.create_index("ix_report_consent_report_id", "report_consent", ["report_id"])
    op.create_table(
        "report_referral",
        sa.Column("id", sa.Integer(), primary_key=True),
        _report_fk("report_referral"),
        sa.Column("destination", sa.String(length=40), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("shared", JSON, nullable=False),
        sa.Column(
            "consent_id",
            sa.Integer(),
            sa.ForeignKey("report_consent.id", name="fk_report_referral_consent_id", ondelete="SET NULL"),
        ),
        sa.Column("without_consent", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column(
            "recorded_by", sa.Integer(), sa.ForeignKey("staff_user.id", name="fk_report_referral_recorded_by")
        ),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_report_referral_report_id", "report_referral", ["report_id"])
    op.create_table(
        "checklist_result",
        sa.Column("id", sa.Integer(), primary_key=True),
        _report_fk("checklist_result"),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("questionnaire_version", sa.Integer(), nullable=False),
        sa.Column(
            "completed_by", sa.Integer(), sa.ForeignKey("staff_user.id", name="fk_checklist_result_completed_by")
        ),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
    )
    op.create_index("ix_checklist_result_report_id", "checklist_result", ["report_id"])
    op.create_table(
        "reporter_notification",
        sa.Column("id", sa.Integer(), primary_key=True),
        _report_fk("reporter_notification"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(length=200), nullable=True),
    )
    op.create_index("ix_reporter_notification_report_id", "reporter_notification", ["report_id"])


def downgrade():
    for table in (
        "reporter_notification",
        "checklist_result",
        "report_referral",
        "report_consent",
        "report_message",
        "check_visit",
        "check_attempt",
        "report_access",
    ):
        op.drop_table(table)
    op.execute("DELETE FROM audit_event WHERE user_id IS NULL")
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("report") as batch_op:
        batch_op.drop_index("ix_report_risk_level")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("reporter_wrote")
        batch_op.drop_column("risk_step")
        batch_op.drop_column("risk_level")
