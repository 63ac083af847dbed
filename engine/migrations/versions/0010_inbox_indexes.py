"""indexes for inboxes and the home page at scale (open tasks by scope, claimed tasks, my cases)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00

Partial indexes over the open tasks only (a small fraction of the task table once history piles up): per unit,
agency and lane, in creation order, so an inbox page is read in order and its counts from the index alone
(PostgreSQL); the claimed tasks of an officer; a case creator's cases by status. bench/scale.py measures them.
"""
import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('ready', 'claimed')")
CLAIMED = sa.text("state = 'claimed'")
INBOX_COLUMNS = ['case_id', 'process_id', 'state', 'due_at', 'agency_id']


def upgrade():
    for name, columns in (('ix_task_open_unit', ['unit_id', 'lane', 'created_at']),
                          ('ix_task_open_agency', ['agency_id', 'lane', 'created_at']),
                          ('ix_task_open_lane', ['lane', 'created_at'])):
        op.create_index(name, 'task', columns, unique=False, postgresql_include=INBOX_COLUMNS,
                        postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_task_claimed_by', 'task', ['assignee_id', 'claimed_at'], unique=False,
                    postgresql_where=CLAIMED, sqlite_where=CLAIMED)
    op.create_index('ix_case_file_creator_status', 'case_file', ['created_by', 'status'], unique=False)


def downgrade():
    op.drop_index('ix_case_file_creator_status', table_name='case_file')
    for name in ('ix_task_claimed_by', 'ix_task_open_lane', 'ix_task_open_agency', 'ix_task_open_unit'):
        op.drop_index(name, table_name='task')
