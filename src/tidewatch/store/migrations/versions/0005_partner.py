"""partner access: per-platform API keys (hashed) and portal accounts bound to a platform

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'partner_keys',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('platform', sa.String(length=40), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('last_used_at', TS, nullable=True),
        sa.Column('revoked_at', TS, nullable=True),
        sa.Column('revoked_by', sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_hash'),
    )
    op.create_index('ix_partner_keys_platform', 'partner_keys', ['platform'])
    op.create_table(
        'partner_accounts',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_index('ix_partner_accounts_platform', 'partner_accounts', ['platform'])


def downgrade() -> None:
    op.drop_index('ix_partner_accounts_platform', table_name='partner_accounts')
    op.drop_table('partner_accounts')
    op.drop_index('ix_partner_keys_platform', table_name='partner_keys')
    op.drop_table('partner_keys')
