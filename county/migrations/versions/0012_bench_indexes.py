"""Indexes for the console's case list at a million cases: newest first, by status, by item

The case list (county/web/queries.py, search_cases) shows 50 cases newest first (business date, then receipt
number) under the viewer's scope and an optional status or item. Without an index in that order every page sorted
the whole table; with these the database walks the index from the newest end and stops after the page.

Revision ID: 0012_bench_indexes
Revises: 0013_api_clients
Create Date: 2026-12-07 16:30:00
"""
from alembic import op

revision = '0012_bench_indexes'
down_revision = '0013_api_clients'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_case_date_receipt': ['business_date', 'receipt_no'],
    'ix_case_state_date': ['state', 'business_date', 'receipt_no'],
    'ix_case_item_date': ['item_code', 'business_date', 'receipt_no'],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, 'case', columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name='case')
