"""Running aggregates for the statistics page, kept by triggers in the writer's transaction

``stats_month_point`` (month, point) and ``stats_month_item`` (month, township, item, service mode) hold the
cases, credited points and mailings the 统计分析 page sums, ``stats_open_case`` and ``stats_done_days`` its
overdue cases and time to 办结 (with ``workday_index``, the county's working days numbered), so it reads a few hundred thousand aggregate rows at
most instead of every case of its window (county/services/stats_aggregates.py). Triggers on ``case`` and
``mailing`` keep them up to date in the same transaction as any change; the upgrade fills them once from the
cases already there.

Revision ID: 0027_running_aggregates
Revises: 0026_webhook_secret
Create Date: 2026-12-07 22:30:00
"""
import sqlalchemy as sa
from alembic import op

from county.services import stats_aggregates

revision = '0027_running_aggregates'
down_revision = '0026_webhook_secret'
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.create_table(
        'stats_month_point',
        sa.Column('month', sa.String(7), primary_key=True),
        sa.Column('point_id', sa.Integer, primary_key=True),
        sa.Column('cases', sa.Integer, nullable=False, server_default='0'),
        sa.Column('points', sa.Integer, nullable=False, server_default='0'),
        sa.Column('mailings', sa.Integer, nullable=False, server_default='0'),
    )
    # a township's page reads its points' rows: by point, then month
    op.create_index('ix_stats_month_point_point', 'stats_month_point', ['point_id', 'month'])
    op.create_table(
        'stats_month_item',
        sa.Column('month', sa.String(7), primary_key=True),
        sa.Column('township_id', sa.Integer, primary_key=True),
        sa.Column('item_code', sa.String(10), primary_key=True),
        sa.Column('mode', sa.String(20), primary_key=True),
        sa.Column('cases', sa.Integer, nullable=False, server_default='0'),
        sa.Column('points', sa.Integer, nullable=False, server_default='0'),
    )
    op.create_table(
        'stats_open_case',
        sa.Column('township_id', sa.Integer, primary_key=True),
        sa.Column('item_code', sa.String(10), primary_key=True),
        sa.Column('flow', sa.String(10), primary_key=True),
        sa.Column('start_date', sa.String(10), primary_key=True),
        sa.Column('cases', sa.Integer, nullable=False, server_default='0'),
    )
    op.create_table(
        'stats_done_days',
        sa.Column('month', sa.String(7), primary_key=True),
        sa.Column('township_id', sa.Integer, primary_key=True),
        sa.Column('item_code', sa.String(10), primary_key=True),
        sa.Column('days', sa.Integer, primary_key=True),
        sa.Column('cases', sa.Integer, nullable=False, server_default='0'),
    )
    op.create_table(
        'workday_index',
        sa.Column('day', sa.String(10), primary_key=True),
        sa.Column('n', sa.Integer, nullable=False),
    )
    connection = op.get_bind()
    stats_aggregates.install(connection)
    stats_aggregates.rebuild(connection)


def downgrade() -> None:
    stats_aggregates.uninstall(op.get_bind())
    for table in ('workday_index', 'stats_done_days', 'stats_open_case', 'stats_month_item'):
        op.drop_table(table)
    op.drop_table('stats_month_point')
