"""merge the module branches (notices + metrics, connect + resources, two-factor)

Revision ID: 0008
Revises: 0004, 0005, 0007
"""

revision = "0008"
down_revision = ("0004", "0005", "0007")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
