"""indexes for the metrics queries (per-node figures, decisions, cohorts)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 12:00:00

ix_task_node_times lets PostgreSQL answer the per-node figures of one process from the index alone
(an index-only scan already grouped by node; bench/metrics.py measures it). Return rates read case_event
by action and date; the publication cohort reads case_file by process and opening date.
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_task_node_times', 'task', ['process_id', 'state', 'bpmn_id', 'completed_at'], unique=False,
                    postgresql_include=['created_at', 'claimed_at', 'due_at'])
    op.create_index('ix_case_event_action_at', 'case_event', ['action', 'at'], unique=False)
    op.create_index('ix_case_file_process_created', 'case_file', ['process_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_case_file_process_created', table_name='case_file')
    op.drop_index('ix_case_event_action_at', table_name='case_event')
    op.drop_index('ix_task_node_times', table_name='task')
