"""report notifications, one inventory item per community, kind and title

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OLD_KINDS = (
    'to_accept', 'to_vote', 'to_decide', 'to_rule', 'request_changed', 'authorised_here',
    'revoked_here', 'funds_paid', 'funds_disputed',
)
NEW_KINDS = OLD_KINDS + ('report_filed', 'report_upheld', 'report_answered', 'report_changed')


def _kinds(values):
    return "kind IN (%s)" % ", ".join(f"'{v}'" for v in values)


def upgrade():
    with op.batch_alter_table('notifications', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_notificationkind'), type_='check')
        batch_op.create_check_constraint('notificationkind', _kinds(NEW_KINDS))
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_notifications_report_id_reports'), 'reports', ['report_id'], ['id']
        )

    with op.batch_alter_table('inventory_items', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            'uq_inventory_items_community_kind_title', ['community_id', 'kind', 'title']
        )


def downgrade():
    with op.batch_alter_table('inventory_items', schema=None) as batch_op:
        batch_op.drop_constraint('uq_inventory_items_community_kind_title', type_='unique')

    op.execute(
        "DELETE FROM notifications WHERE kind IN "
        "('report_filed', 'report_upheld', 'report_answered', 'report_changed')"
    )
    with op.batch_alter_table('notifications', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_report_id_reports'), type_='foreignkey')
        batch_op.drop_column('report_id')
        batch_op.drop_constraint(op.f('ck_notifications_notificationkind'), type_='check')
        batch_op.create_check_constraint('notificationkind', _kinds(OLD_KINDS))
