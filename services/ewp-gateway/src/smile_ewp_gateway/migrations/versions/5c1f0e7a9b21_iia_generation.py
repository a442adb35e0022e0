"""iia_generation: changes of IIAs announced by agreements, for the served fragments cache

Revision ID: 5c1f0e7a9b21
Revises: cb6d657f2aba
Create Date: 2026-11-29 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smile_common.db.base

revision: str = '5c1f0e7a9b21'
down_revision: str | None = 'cb6d657f2aba'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('iia_generation',
    sa.Column('tenant', sa.String(length=255), nullable=False),
    sa.Column('iia_id', sa.String(length=64), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('changed_at', smile_common.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'iia_id', name=op.f('pk_iia_generation')),
    schema='ewp_gateway'
    )


def downgrade() -> None:
    op.drop_table('iia_generation', schema='ewp_gateway')
