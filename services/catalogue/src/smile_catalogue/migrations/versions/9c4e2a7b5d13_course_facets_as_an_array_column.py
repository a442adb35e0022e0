"""courses: facet values in an array column of the course (the course_facet table goes)

A course's facet values (its terms, languages, unit and parent units, ISCED prefixes…) were about 13 rows
of ``course_facet`` per course, each with a primary key, a lookup index and a foreign key to check: most
of what PostgreSQL spent writing a large import. They are now one column of the course, ``facets``
("dimension:value" entries): a text array with a GIN index on PostgreSQL (a filter is an array overlap,
``&&``), a JSON array on SQLite (read with ``json_each``). Existing values are moved over.

On PostgreSQL, the course's wide columns (JSON documents, search text) are also compressed with LZ4
instead of pglz when the server supports it: several times faster to write, about the same size.

Revision ID: 9c4e2a7b5d13
Revises: 38f4e7662b38
Create Date: 2026-11-29 21:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '9c4e2a7b5d13'
down_revision: str | None = '38f4e7662b38'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the course's columns stored out of line when large (compressed)
_WIDE = ('title', 'description', 'learning_outcomes', 'prerequisites', 'languages', 'term_codes',
         'programme_codes', 'hours', 'teaching_methods', 'assessment', 'schedule', 'contacts', 'search_head',
         'search_body', 'search_vector', 'facets')  # fmt: skip


def _lz4_supported() -> bool:
    found = op.get_bind().scalar(
        sa.text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
    )
    return bool(found)


def _compression(method: str) -> None:
    if method == 'lz4' and not _lz4_supported():
        return
    columns = ', '.join(f'ALTER COLUMN {name} SET COMPRESSION {method}' for name in _WIDE)
    op.execute(f'ALTER TABLE catalogue.course {columns}')


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        op.add_column(
            'course',
            sa.Column('facets', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
            schema='catalogue',
        )
        op.execute(
            'UPDATE catalogue.course AS c SET facets = f.entries FROM ('
            " SELECT course_id, array_agg(dim || ':' || value ORDER BY dim || ':' || value COLLATE \"C\") AS entries"
            ' FROM catalogue.course_facet GROUP BY course_id'
            ') AS f WHERE f.course_id = c.id'
        )
        op.create_index('ix_course_facets', 'course', ['facets'], schema='catalogue', postgresql_using='gin')
        _compression('lz4')
    else:
        op.add_column(
            'course', sa.Column('facets', sa.JSON(), server_default='[]', nullable=False), schema='catalogue'
        )
        op.execute(
            'UPDATE catalogue.course SET facets = ('
            ' SELECT json_group_array(entry) FROM ('
            "  SELECT f.dim || ':' || f.value AS entry FROM catalogue.course_facet AS f"
            '  WHERE f.course_id = course.id ORDER BY entry'
            ' ))'
        )
    op.drop_table('course_facet', schema='catalogue')


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.create_table(
        'course_facet',
        sa.Column('course_id', sa.Uuid(), nullable=False),
        sa.Column('dim', sa.String(length=8), nullable=False),
        sa.Column('value', sa.String(length=72), nullable=False),
        sa.Column('tenant', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ['course_id'], ['catalogue.course.id'], name=op.f('fk_course_facet_course_id_course'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('course_id', 'dim', 'value', name=op.f('pk_course_facet')),
        schema='catalogue',
    )
    op.create_index(
        'ix_course_facet_lookup', 'course_facet', ['tenant', 'dim', 'value', 'course_id'], schema='catalogue'
    )
    if postgres:
        op.execute(
            'INSERT INTO catalogue.course_facet (course_id, dim, value, tenant)'
            " SELECT c.id, split_part(e, ':', 1), substr(e, strpos(e, ':') + 1), c.tenant"
            ' FROM catalogue.course AS c, unnest(c.facets) AS e'
        )
        op.execute(
            'CREATE STATISTICS IF NOT EXISTS catalogue.st_course_facet_dim_value (mcv, dependencies) '
            'ON dim, value FROM catalogue.course_facet'
        )
        _compression('pglz')
        op.drop_index('ix_course_facets', table_name='course', schema='catalogue', postgresql_using='gin')
    else:
        op.execute(
            'INSERT INTO catalogue.course_facet (course_id, dim, value, tenant)'
            " SELECT c.id, substr(e.value, 1, instr(e.value, ':') - 1), substr(e.value, instr(e.value, ':') + 1),"
            ' c.tenant FROM catalogue.course AS c, json_each(c.facets) AS e'
        )
    # (not a batch operation on SQLite: copying the table would lose the full-text index's triggers)
    op.execute('ALTER TABLE catalogue.course DROP COLUMN facets')
