"""courses: a course is kept whole in its row up to 4,000 bytes (PostgreSQL)

A course's row (its JSON documents, search words and generated full-text vector) is about 3.2 kB. Above
2 kB PostgreSQL compresses the row's wide values one by one and moves the largest out of line into the
table's TOAST relation (a second table and index written for each of them): 69 MB of TOAST for 50,000
courses, and about a sixth of what the server spent on a large import. With ``toast_tuple_target`` at
4,000 bytes a course of ordinary size stays whole in its row, uncompressed; longer courses are still
compressed, and moved out of line above 8 kB as before. The table takes about 15 % more space on disk
(229 MB instead of 202 MB for 50,000 courses). Rows written from now on are stored this way.

Revision ID: c3e5a7b9d1f4
Revises: a1f3c5e7b9d2
Create Date: 2026-11-30 00:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'c3e5a7b9d1f4'
down_revision: str | None = 'a1f3c5e7b9d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE catalogue.course SET (toast_tuple_target = 4000)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE catalogue.course RESET (toast_tuple_target)')
