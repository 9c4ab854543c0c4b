"""catalogue: assets, lineage edges, the edit log and the full-text search index

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SQLITE_SEARCH = """
CREATE VIRTUAL TABLE catalogue_search USING fts5(
    asset_id UNINDEXED, title, names, terms, description, facets,
    tokenize = 'porter unicode61', prefix = '2 3'
)
"""
"""SQLite: FTS5 with the Porter stemmer, and prefix indexes so that typed-ahead words stay fast. ``facets``
holds filter tokens (``=kfield``); the rowid is the document's place in index order (shortest first)."""

POSTGRES_SEARCH = """
CREATE TABLE catalogue_search (
    asset_id text PRIMARY KEY,
    ordinal integer NOT NULL,
    title text NOT NULL DEFAULT '',
    names text NOT NULL DEFAULT '',
    terms text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    facets text NOT NULL DEFAULT '',
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', names), 'A')
        || setweight(to_tsvector('english', terms), 'B')
        || setweight(to_tsvector('english', description), 'C')
        || array_to_tsvector(string_to_array(facets, ' '))
    ) STORED
)
"""
"""PostgreSQL: the same columns, weighted A/A/B/C into one ``tsvector`` kept by the database, plus the filter
tokens as they are (``=kfield``: no word of a query can match them); ``ordinal`` is the index order."""


def upgrade() -> None:
    op.create_table(
        "catalogue_assets",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("layer", sa.String(length=20), nullable=True),
        sa.Column("parent_id", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("steward", sa.Text(), nullable=False),
        sa.Column("business_area", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.Column("access_rights", sa.String(length=20), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("special_category", sa.Boolean(), nullable=False),
        sa.Column("in_register", sa.Boolean(), nullable=False),
        sa.Column("register", sa.JSON(), nullable=False),
        sa.Column("declared", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("last_reviewed", sa.Date(), nullable=True),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("populated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("catalogue_assets", schema=None) as batch_op:
        batch_op.create_index("ix_catalogue_assets_kind_layer", ["kind", "layer"], unique=False)
        batch_op.create_index("ix_catalogue_assets_parent", ["parent_id"], unique=False)

    op.create_table(
        "catalogue_edges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("target_id", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("via", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "target_id", "via", name="uq_catalogue_edges"),
    )
    with op.batch_alter_table("catalogue_edges", schema=None) as batch_op:
        batch_op.create_index("ix_catalogue_edges_target", ["target_id"], unique=False)

    op.create_table(
        "catalogue_edits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("asset_id", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("edited_by", sa.Text(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("catalogue_edits", schema=None) as batch_op:
        batch_op.create_index("ix_catalogue_edits_asset_field", ["asset_id", "field"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_SEARCH)
        op.execute("CREATE INDEX ix_catalogue_search_document ON catalogue_search USING gin (document)")
    else:
        op.execute(SQLITE_SEARCH)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS catalogue_search")
    with op.batch_alter_table("catalogue_edits", schema=None) as batch_op:
        batch_op.drop_index("ix_catalogue_edits_asset_field")
    op.drop_table("catalogue_edits")
    with op.batch_alter_table("catalogue_edges", schema=None) as batch_op:
        batch_op.drop_index("ix_catalogue_edges_target")
    op.drop_table("catalogue_edges")
    with op.batch_alter_table("catalogue_assets", schema=None) as batch_op:
        batch_op.drop_index("ix_catalogue_assets_parent")
        batch_op.drop_index("ix_catalogue_assets_kind_layer")
    op.drop_table("catalogue_assets")
