"""search: planner statistics on the facet table (PostgreSQL)

A facet row's value depends on its dimension ('2026-S1' only occurs with 'term'), but PostgreSQL assumes
the two columns independent and so underestimates, about tenfold, how many courses a facet filter keeps.
It then drove searches from the facet table and probed the wide course rows one by one (about 200 ms a
search with 50,000 courses) instead of starting from the full-text GIN index. Extended statistics (most
common pairs and the functional dependency) give it the right counts. SQLite has no such statistics.

Revision ID: 5e1c0a7d9b2f
Revises: cba7bab8be1b
Create Date: 2026-11-29 17:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '5e1c0a7d9b2f'
down_revision: str | None = 'cba7bab8be1b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        'CREATE STATISTICS IF NOT EXISTS catalogue.st_course_facet_dim_value (mcv, dependencies) '
        'ON dim, value FROM catalogue.course_facet'
    )
    op.execute('ANALYZE catalogue.course_facet')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP STATISTICS IF EXISTS catalogue.st_course_facet_dim_value')
