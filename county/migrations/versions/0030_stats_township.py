"""A (month, township) running aggregate for the county-wide statistics page

``stats_month_township`` holds ``stats_month_point`` summed by the point's township, capped points included
(each point's month cut at the monthly cap, then summed), kept by triggers on ``stats_month_point``
(county/services/stats_aggregates.py), so the bureau's month, quarter and township tables read a few hundred
rows instead of every point's months. The upgrade fills it once from ``stats_month_point``.

Revision ID: 0030_stats_township
Revises: 0029_console_indexes
Create Date: 2026-12-07 23:30:00
"""
import sqlalchemy as sa
from alembic import op

from county.services import stats_aggregates

revision = '0030_stats_township'
down_revision = '0029_console_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stats_month_township',
        sa.Column('month', sa.String(7), primary_key=True),
        sa.Column('township_id', sa.Integer, primary_key=True),
        sa.Column('cases', sa.Integer, nullable=False, server_default='0'),
        sa.Column('points', sa.Integer, nullable=False, server_default='0'),
        sa.Column('capped', sa.Integer, nullable=False, server_default='0'),
        sa.Column('mailings', sa.Integer, nullable=False, server_default='0'),
    )
    connection = op.get_bind()
    stats_aggregates.install_township(connection)
    stats_aggregates.fill_township(connection)


def downgrade() -> None:
    stats_aggregates.uninstall_township(op.get_bind())
    op.drop_table('stats_month_township')
