"""notifications, their read marks, the e-mail outbox, and an e-mail address on accounts

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _when(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case_file.id"), nullable=True),
        sa.Column("lane", sa.String(length=16), nullable=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agency.id"), nullable=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("text", sa.String(length=300), nullable=False),
        _when("created_at"),
    )
    op.create_index("ix_notification_scope", "notification", ["lane", "agency_id", "unit_id"])
    op.create_index("ix_notification_case_id", "notification", ["case_id"])
    op.create_index("ix_notification_user_id", "notification", ["user_id"])
    op.create_table(
        "notification_read",
        sa.Column("notification_id", sa.Integer(), sa.ForeignKey("notification.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), primary_key=True),
        _when("read_at"),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("notification_id", sa.Integer(), sa.ForeignKey("notification.id"), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _when("created_at"),
        _when("sent_at", nullable=True),
    )
    op.create_index("ix_mail_outbox_status", "mail_outbox", ["status", "id"])
    op.create_index("ix_mail_outbox_notification_id", "mail_outbox", ["notification_id"])


def downgrade():
    op.drop_table("mail_outbox")
    op.drop_table("notification_read")
    op.drop_table("notification")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("email")
