"""Initial schema: outbox, conversations, staff, questions, inbound messages, rate limits, access tokens, tickets,
reminders, subscriptions, the scheduler's lease and runs.

Revision ID: 636e03981d69
Revises: 
Create Date: 2026-12-01 17:46:00.781360
"""

from alembic import op
import sqlalchemy as sa


revision = '636e03981d69'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('access_token',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('group_id', sa.String(length=128), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('state_json', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'group_id', 'user_id')
    )
    op.create_table('deadline_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_id', sa.String(length=64), nullable=False),
    sa.Column('clause_key', sa.String(length=80), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('document_title', sa.String(length=300), nullable=False),
    sa.Column('clause_number', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('department', sa.String(length=128), nullable=False),
    sa.Column('deadline_text', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('recurrence', sa.String(length=20), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('year_source', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('plan_again_on', sa.Date(), nullable=True),
    sa.Column('corrected_by', sa.String(length=128), nullable=False),
    sa.Column('cancelled_by', sa.String(length=128), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('clause_key', 'rule')
    )
    with op.batch_alter_table('deadline_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_task_doc_id'), ['doc_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_task_plan_again_on'), ['plan_again_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_task_status'), ['status'], unique=False)

    op.create_table('inbound_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('rate_limited', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('reply_text', sa.Text(), nullable=False),
    sa.Column('reply_mention', sa.String(length=128), nullable=True),
    sa.Column('deferred', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'dedup_key')
    )
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_message_received_at', ['received_at'], unique=False)
        batch_op.create_index('ix_inbound_message_sender', ['channel', 'user_id', 'received_at'], unique=False)

    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('slot', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('queued', sa.Integer(), nullable=False),
    sa.Column('ran_at', sa.DateTime(), nullable=False),
    sa.Column('holder', sa.String(length=160), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job', 'slot')
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('target_json', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('msgtype', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_not_before'), ['not_before'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_status'), ['status'], unique=False)

    op.create_table('policy_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_id', sa.String(length=64), nullable=False),
    sa.Column('document_title', sa.String(length=300), nullable=False),
    sa.Column('send_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by', sa.String(length=128), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('policy_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_notice_doc_id'), ['doc_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_notice_send_at'), ['send_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_notice_status'), ['status'], unique=False)

    op.create_table('question_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('user', sa.String(length=128), nullable=False),
    sa.Column('group_id', sa.String(length=128), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('doc_id', sa.String(length=64), nullable=True),
    sa.Column('clause_key', sa.String(length=80), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('question_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_log_answered'), ['answered'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_log_asked_at'), ['asked_at'], unique=False)

    op.create_table('rate_bucket',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('touched_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('rate_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.String(length=200), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rate_slot', schema=None) as batch_op:
        batch_op.create_index('ix_rate_slot_bucket_taken_at', ['bucket', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rate_slot_taken_at'), ['taken_at'], unique=False)

    op.create_table('scheduler_lease',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=160), nullable=False),
    sa.Column('acquired_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('seen_document',
    sa.Column('doc_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('doc_id')
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    op.create_table('subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber', sa.String(length=160), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('target_json', sa.Text(), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscriber', 'region', 'topic')
    )
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_subscriber'), ['subscriber'], unique=False)

    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('complainant', sa.String(length=160), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('group_id', sa.String(length=128), nullable=False),
    sa.Column('company', sa.String(length=128), nullable=False),
    sa.Column('contact', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('limit_days', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(), nullable=True),
    sa.Column('responded_at', sa.DateTime(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('paused_since', sa.DateTime(), nullable=True),
    sa.Column('paused_days', sa.Integer(), nullable=False),
    sa.Column('overdue_since', sa.DateTime(), nullable=True),
    sa.Column('ever_overdue', sa.Boolean(), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('rating', sa.String(length=8), nullable=True),
    sa.Column('rating_requested_at', sa.DateTime(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_accepted_at'), ['accepted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_complainant'), ['complainant'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_state'), ['state'], unique=False)

    op.create_table('ticket_sequence',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('occurrence', sa.Date(), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('fire_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['deadline_task.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'occurrence', 'offset_days')
    )
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_fire_at'), ['fire_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_task_id'), ['task_id'], unique=False)

    op.create_table('ticket_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=160), nullable=False),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('from_state', sa.String(length=8), nullable=False),
    sa.Column('to_state', sa.String(length=8), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_event_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['other_id'], ['ticket.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'other_id')
    )
    with op.batch_alter_table('ticket_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_link_other_id'), ['other_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_link_ticket_id'), ['ticket_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('ticket_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_link_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_link_other_id'))

    op.drop_table('ticket_link')
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_event_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_event_at'))

    op.drop_table('ticket_event')
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_task_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_status'))
        batch_op.drop_index(batch_op.f('ix_reminder_fire_at'))

    op.drop_table('reminder')
    op.drop_table('ticket_sequence')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_state'))
        batch_op.drop_index(batch_op.f('ix_ticket_due_date'))
        batch_op.drop_index(batch_op.f('ix_ticket_department'))
        batch_op.drop_index(batch_op.f('ix_ticket_complainant'))
        batch_op.drop_index(batch_op.f('ix_ticket_closed_at'))
        batch_op.drop_index(batch_op.f('ix_ticket_accepted_at'))

    op.drop_table('ticket')
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_subscriber'))

    op.drop_table('subscription')
    op.drop_table('staff')
    op.drop_table('seen_document')
    op.drop_table('scheduler_lease')
    with op.batch_alter_table('rate_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_slot_taken_at'))
        batch_op.drop_index('ix_rate_slot_bucket_taken_at')

    op.drop_table('rate_slot')
    op.drop_table('rate_bucket')
    with op.batch_alter_table('question_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_log_asked_at'))
        batch_op.drop_index(batch_op.f('ix_question_log_answered'))

    op.drop_table('question_log')
    with op.batch_alter_table('policy_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_notice_status'))
        batch_op.drop_index(batch_op.f('ix_policy_notice_send_at'))
        batch_op.drop_index(batch_op.f('ix_policy_notice_doc_id'))

    op.drop_table('policy_notice')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_not_before'))
        batch_op.drop_index(batch_op.f('ix_outbox_channel'))

    op.drop_table('outbox')
    op.drop_table('job_run')
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_message_sender')
        batch_op.drop_index('ix_inbound_message_received_at')

    op.drop_table('inbound_message')
    with op.batch_alter_table('deadline_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_task_status'))
        batch_op.drop_index(batch_op.f('ix_deadline_task_plan_again_on'))
        batch_op.drop_index(batch_op.f('ix_deadline_task_doc_id'))

    op.drop_table('deadline_task')
    op.drop_table('conversation')
    op.drop_table('access_token')

