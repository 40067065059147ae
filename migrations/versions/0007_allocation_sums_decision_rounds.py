"""money summed per authorisation and due date, kept by triggers; decisions carry their round's times

- ``allocations.carried_forward``: a superseded allocation whose paid money the successor's
  allocation to the same community carries (set by the variation; filled here from the links).
- ``allocation_sums``: the balances of ``funds.balances`` per authorisation and due date, kept by
  triggers on ``allocations`` in the same transaction as every change (insert, update of a column
  that counts, delete). Filled here from the allocations.
- ``ix_allocations_community_money``: the balances of a street's communities read from an index;
  ``ix_inventory_items_gate_kind_status_community``: the reduction of a street read from an index;
  ``ix_request_events_request_action`` (instead of the index on the request alone): the counts of
  actions and outcomes, and the decisions, read from an index.
- ``request_events.round_submitted_at`` / ``round_accepted_at``: on a decision, when the round it
  decides was last submitted and accepted. Filled here from the events before each decision.

A later migration that rebuilds ``allocations`` on SQLite (``batch_alter_table`` with a table copy)
drops the SQLite triggers with the old table: it must create them again (``SQLITE_TRIGGERS``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:40:00

"""
import sqlalchemy as sa
from alembic import op

import gatekeeper.core.db

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SUMS = ("allocated_fen", "disbursed_fen", "confirmed_fen", "outstanding_fen", "allocations", "short")


def contribution(r: str) -> dict[str, str]:
    """What one allocation row (``NEW`` or ``OLD``) adds to its sums: the balances of
    ``funds.balances`` (nothing when its money is carried forward), 1 allocation, 1 if short."""
    paid = f"({r}.carried_fen + {r}.disbursed_fen)"
    short = f"({r}.state = 'active' AND {r}.amount_fen > {paid})"
    values = {
        "allocated_fen": f"CASE WHEN {r}.state = 'active' THEN {r}.amount_fen ELSE {paid} END",
        "disbursed_fen": paid,
        "confirmed_fen": f"{r}.confirmed_fen",
        "outstanding_fen": f"CASE WHEN {short} THEN {r}.amount_fen - {paid} ELSE 0 END",
        "allocations": "1",
        "short": f"CASE WHEN {short} THEN 1 ELSE 0 END",
    }
    return {key: f"CASE WHEN {r}.carried_forward THEN 0 ELSE {value} END" for key, value in values.items()}


def add(r: str) -> str:
    """Add row ``r``'s contribution to its sums (the row of sums created on first use)."""
    values = contribution(r)
    return (
        f"INSERT INTO allocation_sums (authorisation_id, due_date, {', '.join(SUMS)}) "
        f"VALUES ({r}.authorisation_id, {r}.due_date, {', '.join(values[key] for key in SUMS)}) "
        "ON CONFLICT (authorisation_id, due_date) DO UPDATE SET "
        + ", ".join(f"{key} = allocation_sums.{key} + excluded.{key}" for key in SUMS)
    )


def subtract(r: str) -> str:
    """Take row ``r``'s contribution back from its sums."""
    values = contribution(r)
    return (
        "UPDATE allocation_sums SET "
        + ", ".join(f"{key} = {key} - ({values[key]})" for key in SUMS)
        + f" WHERE authorisation_id = {r}.authorisation_id AND due_date = {r}.due_date"
    )


#: The columns whose change moves the sums (an UPDATE of ``closed_at`` alone does not).
COUNTED = "amount_fen, carried_fen, disbursed_fen, confirmed_fen, due_date, state, authorisation_id, carried_forward"

SQLITE_TRIGGERS = (
    f"CREATE TRIGGER allocation_sums_insert AFTER INSERT ON allocations BEGIN {add('NEW')}; END",
    f"CREATE TRIGGER allocation_sums_update AFTER UPDATE OF {COUNTED} ON allocations "
    f"BEGIN {subtract('OLD')}; {add('NEW')}; END",
    f"CREATE TRIGGER allocation_sums_delete AFTER DELETE ON allocations BEGIN {subtract('OLD')}; END",
)

POSTGRESQL_TRIGGERS = (
    f"""
    CREATE FUNCTION allocation_sums_keep() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {subtract('OLD')};
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {add('NEW')};
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER allocation_sums_insert_delete AFTER INSERT OR DELETE ON allocations "
    "FOR EACH ROW EXECUTE FUNCTION allocation_sums_keep()",
    f"CREATE TRIGGER allocation_sums_update AFTER UPDATE OF {COUNTED} ON allocations "
    "FOR EACH ROW EXECUTE FUNCTION allocation_sums_keep()",
)

#: The superseded allocations whose money a successor carries (the successor authorisation's
#: allocation to the same community), as ``funds.balances`` found them before this column.
CARRIED = """
UPDATE allocations SET carried_forward = true WHERE id IN (
    SELECT superseded.id FROM allocations AS superseded
    JOIN authorisations AS owner ON owner.id = superseded.authorisation_id
    JOIN allocations AS successor ON successor.authorisation_id = owner.superseded_by_id
        AND successor.community_id = superseded.community_id
    WHERE superseded.state = 'superseded'
)
"""


def fill_sums() -> str:
    values = contribution("a")
    return (
        f"INSERT INTO allocation_sums (authorisation_id, due_date, {', '.join(SUMS)}) "
        f"SELECT a.authorisation_id, a.due_date, {', '.join(f'SUM({values[key]})' for key in SUMS)} "
        "FROM allocations AS a GROUP BY a.authorisation_id, a.due_date"
    )


def latest_before(action: str) -> str:
    """The time of the request's latest ``action`` up to the decision (events in time, then id order)."""
    return (
        "(SELECT MAX(e.at) FROM request_events AS e WHERE e.request_id = request_events.request_id "
        f"AND e.action = '{action}' AND (e.at < request_events.at "
        "OR (e.at = request_events.at AND e.id < request_events.id)))"
    )


def upgrade():
    op.add_column(
        'allocations', sa.Column('carried_forward', sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table('allocation_sums',
    sa.Column('authorisation_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('allocated_fen', sa.BigInteger(), nullable=False),
    sa.Column('disbursed_fen', sa.BigInteger(), nullable=False),
    sa.Column('confirmed_fen', sa.BigInteger(), nullable=False),
    sa.Column('outstanding_fen', sa.BigInteger(), nullable=False),
    sa.Column('allocations', sa.Integer(), nullable=False),
    sa.Column('short', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['authorisation_id'], ['authorisations.id'], name=op.f('fk_allocation_sums_authorisation_id_authorisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('authorisation_id', 'due_date', name=op.f('pk_allocation_sums'))
    )
    op.add_column('request_events', sa.Column('round_submitted_at', gatekeeper.core.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column('request_events', sa.Column('round_accepted_at', gatekeeper.core.db.UTCDateTime(timezone=True), nullable=True))

    op.create_index('ix_allocations_community_money', 'allocations', ['community_id', 'due_date', 'authorisation_id', 'state', 'amount_fen', 'carried_fen', 'disbursed_fen', 'confirmed_fen', 'carried_forward'], unique=False)

    with op.batch_alter_table('inventory_items', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_items_gate_kind_status')
        batch_op.create_index('ix_inventory_items_gate_kind_status_community', ['gate_id', 'kind', 'status', 'community_id'], unique=False)

    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.drop_index('ix_request_events_request_id')
        batch_op.create_index('ix_request_events_request_action', ['request_id', 'action', 'to_state', 'at'], unique=False)

    op.execute(CARRIED)
    op.execute(fill_sums())
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute(
        f"UPDATE request_events SET round_submitted_at = {latest_before('submit')}, "
        f"round_accepted_at = {latest_before('accept')} WHERE action = 'decide'"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS allocation_sums_update ON allocations")
        op.execute("DROP TRIGGER IF EXISTS allocation_sums_insert_delete ON allocations")
        op.execute("DROP FUNCTION IF EXISTS allocation_sums_keep()")
    else:
        for name in ("allocation_sums_insert", "allocation_sums_update", "allocation_sums_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) rather than a table copy: the copy of allocations
    # would be refused by the disbursements that refer to it
    op.drop_index('ix_allocations_community_money', table_name='allocations')
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.drop_index('ix_request_events_request_action')
        batch_op.create_index('ix_request_events_request_id', ['request_id'], unique=False)
    with op.batch_alter_table('inventory_items', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_items_gate_kind_status_community')
        batch_op.create_index('ix_inventory_items_gate_kind_status', ['gate_id', 'kind', 'status'], unique=False)
    op.drop_column('request_events', 'round_accepted_at')
    op.drop_column('request_events', 'round_submitted_at')
    op.drop_table('allocation_sums')
    op.drop_column('allocations', 'carried_forward')
