"""The point's last points statement found through an index, whatever the length of its history

``publish_statement_if_changed`` reads a point's newest ``points_statement`` on every batch; with an index on
(point_id, kind, id) that is one index step instead of a walk over every feed item the point ever had.

Revision ID: 0025_statements
Revises: 0018_evidence_images
Create Date: 2026-12-07 20:40:00
"""
from alembic import op

revision = '0025_statements'
down_revision = '0024_unit_kinds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_county_event_point_kind', 'county_event', ['point_id', 'kind', 'id'])


def downgrade() -> None:
    op.drop_index('ix_county_event_point_kind', table_name='county_event')
