"""imports: the files and reports of import jobs compressed with LZ4 (PostgreSQL)

An import job keeps its file until it ends (and its gzip-compressed report). PostgreSQL compressed the
file with pglz, which took about 0.8 s for a 73 MB file of 50,000 courses; LZ4 takes half as long and
stores it smaller. Applies to files stored from now on; on servers built without LZ4 nothing changes.

Revision ID: a1f3c5e7b9d2
Revises: 9c4e2a7b5d13
Create Date: 2026-11-29 21:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a1f3c5e7b9d2'
down_revision: str | None = '9c4e2a7b5d13'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    supported = bind.scalar(
        sa.text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
    )
    if method == 'lz4' and not supported:
        return
    op.execute(
        f'ALTER TABLE catalogue.import_payload ALTER COLUMN content SET COMPRESSION {method},'
        f' ALTER COLUMN report SET COMPRESSION {method}'
    )


def upgrade() -> None:
    _compression('lz4')


def downgrade() -> None:
    _compression('pglz')
