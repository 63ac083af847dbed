"""notice register columns on case_file

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_key', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('subject_names', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('interpol_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('notice_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('published_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('review_due', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_file_subject_key'), ['subject_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_interpol_number'), ['interpol_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_notice_status'), ['notice_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_review_due'), ['review_due'], unique=False)


def downgrade():
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_file_review_due'))
        batch_op.drop_index(batch_op.f('ix_case_file_notice_status'))
        batch_op.drop_index(batch_op.f('ix_case_file_interpol_number'))
        batch_op.drop_index(batch_op.f('ix_case_file_subject_key'))
        batch_op.drop_column('review_due')
        batch_op.drop_column('published_on')
        batch_op.drop_column('notice_status')
        batch_op.drop_column('interpol_number')
        batch_op.drop_column('subject_names')
        batch_op.drop_column('subject_key')
