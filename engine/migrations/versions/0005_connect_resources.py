"""connect (message threads) and resources (library, training register)

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def _id():
    return sa.Column('id', sa.Integer(), nullable=False)


def _at(name):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _index(table, *columns, name=None, unique=False):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(name or batch_op.f(f"ix_{table}_{columns[0]}"), list(columns), unique=unique)


def upgrade():
    _connect()
    _library()
    _training()


def _connect():
    op.create_table('message_thread',
    _id(),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    _at('created_at'),
    _at('updated_at'),
    sa.Column('a_role', sa.String(length=8), nullable=False),
    sa.Column('a_agency_id', sa.Integer(), nullable=True),
    sa.Column('a_unit_id', sa.Integer(), nullable=True),
    sa.Column('b_role', sa.String(length=8), nullable=False),
    sa.Column('b_agency_id', sa.Integer(), nullable=True),
    sa.Column('b_unit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['a_agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['a_unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['b_agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['b_unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _index('message_thread', 'case_id')
    _index('message_thread', 'a_role', 'a_agency_id', 'a_unit_id', name='ix_message_thread_a_end')
    _index('message_thread', 'b_role', 'b_agency_id', 'b_unit_id', name='ix_message_thread_b_end')
    op.create_table('message',
    _id(),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=1), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    _at('created_at'),
    sa.ForeignKeyConstraint(['thread_id'], ['message_thread.id'], ),
    sa.ForeignKeyConstraint(['sender_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _index('message', 'thread_id')
    op.create_table('message_attachment',
    _id(),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _index('message_attachment', 'message_id')
    op.create_table('message_read',
    _id(),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_id', sa.Integer(), nullable=False),
    _at('read_at'),
    sa.ForeignKeyConstraint(['thread_id'], ['message_thread.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('thread_id', 'user_id')
    )
    _index('message_read', 'user_id')


def _library():
    op.create_table('resource',
    _id(),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    _at('created_at'),
    _at('updated_at'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _index('resource', 'category')
    op.create_table('resource_version',
    _id(),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    _at('uploaded_at'),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('resource_id', 'version')
    )
    _index('resource_version', 'resource_id')
    op.create_table('resource_tag',
    _id(),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('resource_id', 'tag')
    )
    _index('resource_tag', 'resource_id')
    _index('resource_tag', 'tag')


def _training():
    op.create_table('training_session',
    _id(),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    _at('recorded_at'),
    sa.ForeignKeyConstraint(['recorded_by'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _index('training_session', 'held_on')
    for table, column, target in (('training_agency', 'agency_id', 'agency.id'),
                                  ('training_attendee', 'user_id', 'user_account.id')):
        op.create_table(table,
        _id(),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column(column, sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], ),
        sa.ForeignKeyConstraint([column], [target], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('session_id', column)
        )
        _index(table, 'session_id')
        _index(table, column)


def downgrade():
    for table in ('training_attendee', 'training_agency', 'training_session', 'resource_tag', 'resource_version',
                  'resource', 'message_read', 'message_attachment', 'message', 'message_thread'):
        op.drop_table(table)  # their indexes go with them
