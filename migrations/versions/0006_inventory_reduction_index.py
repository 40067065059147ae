"""the reduction per kind of a gate reads an index: inventory items by gate, kind and status

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 05:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inventory_items', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_items_gate_kind_status', ['gate_id', 'kind', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('inventory_items', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_items_gate_kind_status')
