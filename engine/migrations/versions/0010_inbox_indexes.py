"""indexes for inboxes and the home page at scale (open tasks by scope, claimed tasks, my cases, cases by scope)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00

Partial indexes over the open tasks only (a small fraction of the task table once history piles up): per unit,
agency and lane, in creation order, so an inbox page is read in order and its counts from the index alone
(PostgreSQL); the claimed tasks of an officer; a case creator's cases by status; cases by agency / unit and status.
Tasks carry their case's category (inbox counts without reading the cases) and a `branch` flag (the task's scope
differs from its case's: a broadcast branch), so "cases I may see" is own cases plus a few branch rows.
"""
import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('ready', 'claimed')")
CLAIMED = sa.text("state = 'claimed'")
BRANCH = sa.text("branch")
INBOX_COLUMNS = ['case_id', 'process_id', 'state', 'due_at', 'agency_id', 'category']
CASE_OF_TASK = "(SELECT {column} FROM case_file c WHERE c.id = task.case_id)"


def upgrade():
    op.add_column('task', sa.Column('category', sa.String(length=32), nullable=True))
    op.add_column('task', sa.Column('branch', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(f"UPDATE task SET category = {CASE_OF_TASK.format(column='category')}")
    op.execute(f"UPDATE task SET branch = true WHERE agency_id <> {CASE_OF_TASK.format(column='agency_id')} "
               f"OR (unit_id IS NOT NULL AND unit_id <> COALESCE({CASE_OF_TASK.format(column='unit_id')}, -1))")
    for name, columns in (('ix_task_open_unit', ['unit_id', 'lane', 'created_at']),
                          ('ix_task_open_agency', ['agency_id', 'lane', 'created_at']),
                          ('ix_task_open_lane', ['lane', 'created_at'])):
        op.create_index(name, 'task', columns, unique=False, postgresql_include=INBOX_COLUMNS,
                        postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_task_claimed_by', 'task', ['assignee_id', 'claimed_at'], unique=False,
                    postgresql_where=CLAIMED, sqlite_where=CLAIMED)
    op.create_index('ix_case_file_creator_status', 'case_file', ['created_by', 'status', 'id'], unique=False)
    op.create_index('ix_case_file_agency_status', 'case_file', ['agency_id', 'status'], unique=False)
    op.create_index('ix_case_file_unit_status', 'case_file', ['unit_id', 'status'], unique=False)
    for name, column in (('ix_task_branch_agency', 'agency_id'), ('ix_task_branch_unit', 'unit_id')):
        op.create_index(name, 'task', [column, 'case_id'], unique=False, postgresql_where=BRANCH, sqlite_where=BRANCH)


def downgrade():
    for name in ('ix_task_branch_unit', 'ix_task_branch_agency'):
        op.drop_index(name, table_name='task')
    for name in ('ix_case_file_unit_status', 'ix_case_file_agency_status', 'ix_case_file_creator_status'):
        op.drop_index(name, table_name='case_file')
    for name in ('ix_task_claimed_by', 'ix_task_open_lane', 'ix_task_open_agency', 'ix_task_open_unit'):
        op.drop_index(name, table_name='task')
    op.drop_column('task', 'branch')
    op.drop_column('task', 'category')
