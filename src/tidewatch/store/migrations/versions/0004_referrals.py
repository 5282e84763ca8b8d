"""referrals: notices, items, status history, answers, outbox, delivery attempts, liveness checks

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'referrals',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('reference', sa.String(length=40), nullable=False),
        sa.Column('platform', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('category', sa.String(length=80), nullable=False),
        sa.Column('legal_ground', sa.Text(), nullable=False),
        sa.Column('explanation', sa.Text(), nullable=False),
        sa.Column('notice', sa.JSON(), nullable=False),
        sa.Column('decision_id', sa.String(length=200), nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('deadline', TS, nullable=False),
        sa.Column('sent_at', TS, nullable=True),
        sa.Column('available_at', TS, nullable=True),
        sa.Column('acknowledged_at', TS, nullable=True),
        sa.Column('answered_at', TS, nullable=True),
        sa.Column('closed_at', TS, nullable=True),
        sa.Column('updated_at', TS, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_platform'), ['platform'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_status'), ['status'], unique=False)
        batch_op.create_index('ix_referrals_platform_updated', ['platform', 'updated_at', 'id'], unique=False)

    op.create_table(
        'referral_items',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.String(length=200), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('url_kind', sa.String(length=20), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('categories', sa.JSON(), nullable=False),
        sa.Column('lang', sa.String(length=16), nullable=True),
        sa.Column('evidence_digest', sa.String(length=80), nullable=True),
        sa.Column('outcome', sa.String(length=60), nullable=True),
        sa.Column('outcome_at', TS, nullable=True),
        sa.Column('removed_at', TS, nullable=True),
        sa.Column('decline_reason', sa.String(length=40), nullable=True),
        sa.Column('liveness', sa.String(length=10), nullable=True),
        sa.Column('last_checked_at', TS, nullable=True),
        sa.Column('first_seen_offline_at', TS, nullable=True),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id']),
        sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('referral_id', 'post_id', name='uq_referral_items_referral_post'),
    )
    with op.batch_alter_table('referral_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_items_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_items_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_referral_items_checked', ['last_checked_at'], unique=False)

    op.create_table(
        'referral_events',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('at', TS, nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_events_referral_id'), ['referral_id'], unique=False)

    op.create_table(
        'referral_answers',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('actions', sa.JSON(), nullable=False),
        sa.Column('decline_reason', sa.String(length=40), nullable=True),
        sa.Column('reason_text', sa.Text(), nullable=True),
        sa.Column('territorial_scope', sa.JSON(), nullable=False),
        sa.Column('item_urls', sa.JSON(), nullable=False),
        sa.Column('answered_at', TS, nullable=False),
        sa.Column('received_at', TS, nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('referral_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_answers_referral_id'), ['referral_id'], unique=False)

    op.create_table(
        'referral_outbox',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', TS, nullable=False),
        sa.Column('claimed_until', TS, nullable=True),
        sa.Column('claimed_by', sa.String(length=80), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('delivered_at', TS, nullable=True),
        sa.Column('dead_at', TS, nullable=True),
        sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('idempotency_key'),
    )
    with op.batch_alter_table('referral_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_outbox_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index('ix_referral_outbox_due', ['state', 'priority', 'next_attempt_at'], unique=False)

    op.create_table(
        'referral_attempts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('worker', sa.String(length=80), nullable=False),
        sa.Column('started_at', TS, nullable=False),
        sa.Column('finished_at', TS, nullable=True),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['outbox_id'], ['referral_outbox.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('referral_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_attempts_outbox_id'), ['outbox_id'], unique=False)

    op.create_table(
        'referral_checks',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('http_status', sa.Integer(), nullable=True),
        sa.Column('checked_at', TS, nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['referral_items.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('referral_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_checks_item_id'), ['item_id'], unique=False)


def downgrade() -> None:
    for table in ('referral_checks', 'referral_attempts', 'referral_outbox', 'referral_answers',
                  'referral_events', 'referral_items', 'referrals'):
        op.drop_table(table)
