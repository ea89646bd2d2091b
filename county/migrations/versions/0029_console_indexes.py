"""The console's case list and case page at a million cases: scope in the list's index, a case's own feed items

The case list walks ``ix_case_date_receipt`` newest first and stops after a page; a township's list (its points'
cases) and a department's (its items' cases) now find their scope's columns in that index too, so the walk
decides from the index which entries are theirs instead of reading every case row it passes (so do the
walks behind a status or an item). The case page
read every ``case_status`` and ``return_mailing`` item of the case's point and picked the case's own out of
their JSON; ``county_event.case_id`` (filled here from the payload) and its index find the case's own items.

Revision ID: 0029_console_indexes
Revises: 0028_settlement_release
Create Date: 2026-12-07 22:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0029_console_indexes'
down_revision = '0028_settlement_release'
branch_labels = None
depends_on = None

# the list's order (alone, behind a status, behind an item), each now with the scope's columns after it
BEFORE = {
    'ix_case_date_receipt': ['business_date', 'receipt_no'],
    'ix_case_state_date': ['state', 'business_date', 'receipt_no'],
    'ix_case_item_date': ['item_code', 'business_date', 'receipt_no'],
}
AFTER = {
    'ix_case_date_receipt': ['business_date', 'receipt_no', 'point_id', 'item_code'],
    'ix_case_state_date': ['state', 'business_date', 'receipt_no', 'point_id', 'item_code'],
    'ix_case_item_date': ['item_code', 'business_date', 'receipt_no', 'point_id'],
}


def upgrade() -> None:
    op.add_column('county_event', sa.Column('case_id', sa.String(length=32), nullable=True))
    payload_case = (
        "payload->>'case_id'" if op.get_bind().dialect.name == 'postgresql' else "json_extract(payload, '$.case_id')"
    )
    op.execute(
        f"UPDATE county_event SET case_id = {payload_case} WHERE kind IN ('case_status', 'return_mailing')"
    )
    op.create_index('ix_county_event_case', 'county_event', ['case_id', 'id'])
    for name, columns in AFTER.items():
        op.drop_index(name, table_name='case')
        op.create_index(name, 'case', columns)


def downgrade() -> None:
    for name, columns in BEFORE.items():
        op.drop_index(name, table_name='case')
        op.create_index(name, 'case', columns)
    op.drop_index('ix_county_event_case', table_name='county_event')
    op.drop_column('county_event', 'case_id')
