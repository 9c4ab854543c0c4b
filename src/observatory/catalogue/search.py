"""Full-text search over the catalogue: SQLite FTS5 by default, PostgreSQL full-text search in server mode.

Every present asset has one document of four weighted columns, plus filter tokens:

===============  =============================================================================  ======
``title``        the asset's title                                                              high
``names``        its name in words (``date_of_birth`` → "date of birth"); a dataset's id in     high
                 words and its fields' names; a term's synonyms
``terms``        names and synonyms of the glossary terms that link to the asset                 medium
``description``  its description, plus the register's purpose and keywords                     low
``facets``       tokens of kind, layer, owner, business area, classification, personal data     —
===============  =============================================================================  ======

The contract is the same on both backends: the query's words are ANDed, each matches as a prefix
(``postc`` finds postcode) after English stemming (``addresses`` finds address), case does not
matter, English stop words are left out, and punctuation only separates words, so no input is a
syntax error. Filters are tokens of the same index, so they narrow the matches before ranking.

Ranking: FTS5's ``bm25`` on SQLite, ``ts_rank_cd`` on PostgreSQL (divided by document length), with
the column weights above, over every match; ties go by kind (``ids.KINDS``) and then id, which is the
order documents are stored in (the rowid, or ``ordinal``), so ranking reads no row but the matches'.
``total`` counts every match. An empty query lists the matching assets by kind and id.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, get_args

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from observatory.catalogue.ids import KINDS
from observatory.catalogue.records import AssetRecord
from observatory.config.models import LAYERS, Classification
from observatory.errors import ObservatoryError
from observatory.meta.models import SEARCH_INDEX, CatalogueAsset
from observatory.meta.store import MetaStore

WEIGHTS = {"title": 10.0, "names": 10.0, "terms": 4.0, "description": 1.0}
"""FTS5 ``bm25`` column weights; PostgreSQL weighs the same columns A, A, B and C (``PG_WEIGHTS``)."""

PG_WEIGHTS = "{0, 0.1, 0.4, 1.0}"
"""``ts_rank_cd`` weights of D (filter tokens), C, B and A lexemes."""

PG_NORMALISATION = 2
"""``ts_rank_cd`` divides by the document's length, as ``bm25`` favours short documents (of the options, the
one whose first hit agrees with SQLite's most often on the benchmark catalogue)."""

FTS5_HASHSIZE = 64 * 2**20
"""Bytes FTS5 gathers in memory before writing a segment (``hashsize``; 1 MiB by default)."""

MAX_WORDS = 32
"""Words of a query beyond this many are ignored."""

MAX_WORD_LENGTH = 100
"""Longer words are searched by their first this many characters (PostgreSQL indexes no word over 2 KB)."""

MAX_LIMIT = 1_000

STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is
    are was were be been being have has had having do does did doing a an the and but if or because as until
    while of at by for with about against between into through during before after above below to from up
    down in out on off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will just don should
    now""".split()  # noqa: SIM905 (the list as PostgreSQL ships it)
)
"""PostgreSQL's English stop words (``english.stop``): left out of queries on both backends alike."""

SNIPPET_WORDS = 12
_OPEN, _CLOSE = "\x02", "\x03"
"""Match markers while a snippet is made; shown as ``[`` and ``]`` (a description may hold brackets itself)."""

_WORD = re.compile(r"[^\W_]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_COLUMNS = "title, names, terms, description, facets"
_TEXT_COLUMNS = "{title names terms description}"


@dataclass(frozen=True)
class SearchFilters:
    """Filters applied with the text; ``None`` leaves one out."""

    kind: str | None = None
    owner: str | None = None
    business_area: str | None = None
    classification: str | None = None
    layer: str | None = None
    personal: bool | None = None

    def check(self) -> None:
        """Raise a clear error for a kind, layer or classification that does not exist (in any case)."""
        allowed = {"kind": KINDS, "layer": LAYERS, "classification": get_args(Classification)}
        for name, choices in allowed.items():
            value = getattr(self, name)
            if value is not None and value.strip().lower() not in {choice.lower() for choice in choices}:
                raise ObservatoryError(f"no {name} {value!r} to filter on (one of: {', '.join(choices)})")

    def tokens(self) -> list[str]:
        """The facet tokens an asset must have to pass (a blank value filters nothing)."""
        given = {name: getattr(self, name) for name in _FACETS}
        return [_facet(name, value) for name, value in given.items() if value is not None and str(value).strip()]


@dataclass(frozen=True)
class SearchHit:
    id: str
    kind: str
    title: str
    layer: str | None
    parent_id: str | None
    owner: str
    business_area: str
    classification: str
    personal: bool
    snippet: str
    rank: float


@dataclass(frozen=True)
class SearchResults:
    query: str
    total: int
    hits: list[SearchHit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "hits": [asdict(hit) for hit in self.hits]}


@dataclass(frozen=True)
class SearchDocument:
    """What the index holds for one asset."""

    asset_id: str
    title: str
    names: str
    terms: str
    description: str
    facets: str

    def row(self) -> tuple[str, str, str, str, str, str]:
        return (self.asset_id, self.title, self.names, self.terms, self.description, self.facets)


# ------------------------------------------------------------------------------------------- documents

_FACETS = {"kind": "k", "layer": "l", "owner": "o", "business_area": "a", "classification": "c", "personal": "p"}


def _hashed(letter: str, value: str) -> str:
    """A token: ``=`` (which no word of a query holds), a letter, and the hash of ``value`` (any case) in digits."""
    folded = value.strip().lower().encode()
    return f"={letter}{int.from_bytes(hashlib.blake2b(folded, digest_size=6).digest(), 'big')}"


@lru_cache(maxsize=4096)
def _facet(name: str, value: str | bool) -> str:
    """The token of filter ``name`` for ``value``: the value itself for a kind, layer, classification or
    personal data (short, from fixed lists), a hash for an owner or business area."""
    if name == "personal":
        return f"=p{int(bool(value))}"
    if name in ("kind", "layer", "classification"):
        return f"={_FACETS[name]}{''.join(_WORD.findall(str(value).lower()))}"
    return _hashed(_FACETS[name], str(value))


def _id_facet(asset_id: str) -> str:
    """The token that finds one asset's document (two assets may share one: lookups check the id too)."""
    return _hashed("i", asset_id)


def _broad(token: str) -> bool:
    """Whether a filter token is on much of a catalogue (a layer, a classification, personal data, fields or
    datasets): PostgreSQL then checks it on the rows the words find rather than through the index."""
    return token[1] in "lcp" or token in (_facet("kind", "field"), _facet("kind", "dataset"))


def _facets(asset: AssetRecord) -> str:
    tokens = [_id_facet(asset.id)]
    for name in _FACETS:
        value = getattr(asset, name)
        if value is not None and (value != "" or name == "personal"):
            tokens.append(_facet(name, value))
    return " ".join(tokens)


@lru_cache(maxsize=50_000)
def words_of(name: str) -> str:
    """A name as words: ``date_of_birth`` → "date of birth", ``DateOfBirth`` → "Date Of Birth"."""
    return " ".join(_WORD.findall(_CAMEL.sub(" ", name)))


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if str(item).strip()]
    return []


def _term_words(term: AssetRecord) -> str:
    return " ".join([term.title, words_of(term.name), *_listed(term.register.get("synonyms"))])


def document(asset: AssetRecord, field_names: Sequence[str], linked_terms: Sequence[str]) -> SearchDocument:
    """The document of ``asset``, given its fields' names (a dataset's) and the words of terms that link to it."""
    names = [words_of(asset.name)]
    last = words_of(asset.id.rpartition(".")[2])
    own = words_of(asset.id.partition(".")[2]) if asset.kind in ("dataset", "source", "file") else last
    if own != names[0]:
        names.append(own)
    names += [words_of(name) for name in field_names]
    if asset.kind == "term":
        names += _listed(asset.register.get("synonyms"))
    description = [asset.description, *_listed(asset.register.get("purpose")), *_listed(asset.register.get("keywords"))]
    return SearchDocument(
        asset_id=asset.id,
        title=asset.title,
        names=" ".join(part for part in names if part),
        terms=" ".join(linked_terms),
        description=" ".join(part.replace("_", " ") for part in description if part),
        facets=_facets(asset),
    )


def documents(assets: Sequence[AssetRecord]) -> list[SearchDocument]:
    """One document per present asset, in index order: by kind, then by id."""
    present = [asset for asset in assets if asset.present]
    fields: dict[str, list[str]] = defaultdict(list)
    terms: dict[str, list[str]] = defaultdict(list)
    for asset in sorted(present, key=lambda asset: asset.id):  # fields and terms by id, as update_index has them
        if asset.kind == "field" and asset.parent_id:
            fields[asset.parent_id].append(asset.name)
        elif asset.kind == "term":
            words = _term_words(asset)
            for linked in dict.fromkeys(_listed(asset.register.get("links"))):
                terms[linked].append(words)
    made = [document(asset, fields.get(asset.id, ()), terms.get(asset.id, ())) for asset in present]
    return sorted(made, key=lambda doc: (_kind_order(doc.asset_id), doc.asset_id))


def _kind_order(asset_id: str) -> int:
    kind = asset_id.partition(".")[0]
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


# ----------------------------------------------------------------------------------------------- index


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def rebuild_index(session: Session, assets: Sequence[AssetRecord]) -> None:
    """Replace the whole index with one document per asset."""
    rows = [(number, *doc.row()) for number, doc in enumerate(documents(assets), start=1)]
    connection = session.connection()
    driver: Any = connection.connection.driver_connection
    if _postgres(session):
        connection.exec_driver_sql(f"TRUNCATE {SEARCH_INDEX}")
        copy_sql = f"COPY {SEARCH_INDEX} (ordinal, asset_id, {_COLUMNS}) FROM STDIN WITH (FREEZE)"
        with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
        connection.exec_driver_sql(f"ANALYZE {SEARCH_INDEX}")
        return
    # Deleting an FTS5 table's rows one by one is slow: make it afresh from its own definition instead.
    definition = connection.exec_driver_sql(
        f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{SEARCH_INDEX}'"
    ).scalar_one()
    connection.exec_driver_sql(f"DROP TABLE {SEARCH_INDEX}")
    connection.exec_driver_sql(definition)
    # a larger in-memory table before each flush to disk: fewer segments to merge while loading
    connection.exec_driver_sql(
        f"INSERT INTO {SEARCH_INDEX} ({SEARCH_INDEX}, rank) VALUES ('hashsize', {FTS5_HASHSIZE})"
    )
    cursor = driver.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {SEARCH_INDEX} (rowid, asset_id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows
        )
    finally:
        cursor.close()


def update_index(session: Session, asset: AssetRecord) -> None:
    """Replace one asset's document (after an edit); a term's edit also refreshes the assets it links to.

    A document keeps its place in index order; an asset with none yet (the index is behind the catalogue)
    has the whole index rebuilt from ``catalogue_assets``, so that the order stays kind, then id."""
    changed = [asset.id]
    if asset.kind == "term":
        changed += _listed(asset.register.get("links"))
    query = select(CatalogueAsset).where(CatalogueAsset.kind == "term", CatalogueAsset.present.is_(True))
    terms = sorted((AssetRecord.from_row(row) for row in session.scalars(query)), key=lambda term: term.id)
    terms = [asset if term.id == asset.id else term for term in terms]
    for asset_id in dict.fromkeys(changed):
        row = session.get(CatalogueAsset, asset_id) if asset_id != asset.id else None
        current = asset if asset_id == asset.id else (AssetRecord.from_row(row) if row is not None else None)
        place = _remove_document(session, asset_id)
        if current is None or not current.present:
            continue
        if place is None:
            session.flush()
            rebuild_index(session, [AssetRecord.from_row(row) for row in session.scalars(select(CatalogueAsset))])
            return
        fields = [name for _id, name in sorted(session.execute(
            select(CatalogueAsset.id, CatalogueAsset.name)
            .where(CatalogueAsset.parent_id == current.id, CatalogueAsset.kind == "field")
            .where(CatalogueAsset.present.is_(True))
        ).tuples())]  # fmt: skip
        linked = [_term_words(term) for term in terms if current.id in _listed(term.register.get("links"))]
        _insert_document(session, document(current, fields, linked), place)


def _remove_document(session: Session, asset_id: str) -> int | None:
    """Delete an asset's document; its place in index order, if it had one."""
    if _postgres(session):
        return session.execute(
            text(f"DELETE FROM {SEARCH_INDEX} WHERE asset_id = :id RETURNING ordinal"), {"id": asset_id}
        ).scalar()
    place = session.execute(
        text(f"SELECT rowid FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :facet AND asset_id = :id"),
        {"facet": "facets : " + _quoted(_id_facet(asset_id)), "id": asset_id},
    ).scalar()
    if place is not None:
        session.execute(text(f"DELETE FROM {SEARCH_INDEX} WHERE rowid = :place"), {"place": place})
    return int(place) if place is not None else None


def _insert_document(session: Session, doc: SearchDocument, place: int) -> None:
    order = "ordinal" if _postgres(session) else "rowid"
    session.execute(
        text(
            f"INSERT INTO {SEARCH_INDEX} ({order}, asset_id, {_COLUMNS}) "
            "VALUES (:place, :asset_id, :title, :names, :terms, :description, :facets)"
        ),
        {"place": place, **asdict(doc)},
    )


# ---------------------------------------------------------------------------------------------- search


def query_words(text_: str) -> list[str]:
    """The words a query searches for: lower case, without punctuation or stop words, each once."""
    found = [word[:MAX_WORD_LENGTH] for word in _WORD.findall(text_.lower()) if word not in STOP_WORDS]
    return list(dict.fromkeys(found))[:MAX_WORDS]


def fts5_query(words: Sequence[str], facets: Sequence[str] = ()) -> str:
    """The FTS5 ``MATCH`` string: every word quoted, as a prefix, in the text columns; ANDed with the facets."""
    parts = []
    if words:
        parts.append(f"{_TEXT_COLUMNS} : (" + " AND ".join(_quoted(word) + "*" for word in words) + ")")
    parts += [f"facets : {_quoted(token)}" for token in facets]
    return " AND ".join(parts)


def tsquery_text(words: Sequence[str]) -> str:
    """The PostgreSQL ``to_tsquery`` text: every word as a prefix, ANDed (words hold letters and digits only)."""
    return " & ".join(f"{word}:*" for word in words)


def _facet_tsquery(facets: Sequence[str]) -> str:
    return " & ".join(f"'{token}'" for token in facets)


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def search(
    meta: MetaStore, text: str, filters: SearchFilters | None = None, *, limit: int = 20, offset: int = 0
) -> SearchResults:
    """Assets matching ``text`` and ``filters``, best first: ``total`` matches, ``hits`` the page asked for."""
    filters = filters or SearchFilters()
    filters.check()
    if not 1 <= limit <= MAX_LIMIT:
        raise ObservatoryError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise ObservatoryError(f"offset must be 0 or more, not {offset}")
    words, facets = query_words(text), filters.tokens()
    with meta.session() as session:
        if not words and _WORD.search(text):  # only stop words: nothing is indexed under them
            return SearchResults(text, 0, [])
        if not words and not facets:
            return _browse_all(session, text, limit, offset)
        engine: _Engine = _Postgres(session) if _postgres(session) else _Sqlite(session)
        if not words:
            total, ids = engine.browse(facets, limit, offset)
            rows = _rows(session, ids)
            hits = [_hit(rows[i], _opening(rows[i].description), 0.0) for i in ids if i in rows]
            return SearchResults(text, total, hits)
        total, page = engine.page(words, facets, limit, offset)
        return SearchResults(text, total, engine.hits(words, page) if page else [])


class _Engine:
    """What a backend answers."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _all(self, sql: str, params: dict[str, Any]) -> list[Any]:
        return list(self.session.execute(text(sql), params).all())

    def page(self, words: list[str], facets: list[str], limit: int, offset: int) -> tuple[int, list[tuple[str, float]]]:
        """How many assets match, and the page of them (id and rank), best first."""
        raise NotImplementedError

    def hits(self, words: list[str], page: list[tuple[str, float]]) -> list[SearchHit]:
        """The page's assets, each with its best snippet: from its description, else its terms, names or title."""
        raise NotImplementedError

    def browse(self, facets: list[str], limit: int, offset: int) -> tuple[int, list[str]]:
        """How many assets have every one of ``facets``, and the page of their ids, by kind and id."""
        raise NotImplementedError


class _Sqlite(_Engine):
    """An FTS5 table whose rowid is the index order, so ``ORDER BY rank, rowid`` breaks ties by kind and id."""

    score = f"bm25({SEARCH_INDEX}, 0, {', '.join(str(weight) for weight in WEIGHTS.values())}, 0)"

    def _count(self, match: str) -> int:
        sql = f"SELECT count(*) FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :match"
        return int(self.session.execute(text(sql), {"match": match}).scalar_one())

    def page(self, words: list[str], facets: list[str], limit: int, offset: int) -> tuple[int, list[tuple[str, float]]]:
        match = fts5_query(words, facets)
        # ranked on rowids alone (reading no row), then the page's ids read in the same statement
        rows = self._all(
            f"SELECT found.asset_id, ranked.score FROM (SELECT rowid AS place, {self.score} AS score "
            f"FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :match ORDER BY score, rowid LIMIT :limit OFFSET :offset) "
            f"AS ranked JOIN {SEARCH_INDEX} AS found ON found.rowid = ranked.place ORDER BY ranked.score, ranked.place",
            {"match": match, "limit": limit, "offset": offset},
        )
        return self._count(match), [(asset_id, -score) for asset_id, score in rows]

    def hits(self, words: list[str], page: list[tuple[str, float]]) -> list[SearchHit]:
        columns = ", ".join(
            f"snippet({SEARCH_INDEX}, {number}, :open, :close, '…', {SNIPPET_WORDS})" for number in (4, 3, 2, 1)
        )
        lookup = " OR ".join(f"facets : {_quoted(_id_facet(asset_id))}" for asset_id, _rank in page)
        found = self._all(
            f"SELECT asset_id, {columns} FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :match",
            {"match": f"({fts5_query(words)}) AND ({lookup})", "open": _OPEN, "close": _CLOSE},
        )
        snippets = {asset_id: next((shown for shown in map(_marked, made) if shown), "") for asset_id, *made in found}
        rows = _rows(self.session, [asset_id for asset_id, _rank in page])
        return [_hit(rows[i], snippets.get(i, ""), rank) for i, rank in page if i in rows]

    def browse(self, facets: list[str], limit: int, offset: int) -> tuple[int, list[str]]:
        match = fts5_query((), facets)
        rows = self._all(
            f"SELECT asset_id FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :match ORDER BY rowid "
            "LIMIT :limit OFFSET :offset",
            {"match": match, "limit": limit, "offset": offset},
        )
        return self._count(match), [row[0] for row in rows]


class _Postgres(_Engine):
    """A table with a generated ``tsvector`` and a GIN index; ``ordinal`` is the index order (kind, then id)."""

    score = f"ts_rank_cd('{PG_WEIGHTS}', document, to_tsquery('english', :words), {PG_NORMALISATION})"

    @staticmethod
    def _condition(words: list[str], facets: list[str]) -> tuple[str, dict[str, Any]]:
        """Which documents match: words through the GIN index, and filters through it too, unless a filter is on
        much of the catalogue: then it is checked on the rows the words find."""
        if not words:
            return "document @@ CAST(:facets AS tsquery)", {"facets": _facet_tsquery(facets)}
        narrow = [token for token in facets if not _broad(token)]
        condition = "document @@ (to_tsquery('english', :words)" + (" && CAST(:facets AS tsquery))" if narrow else ")")
        if len(narrow) < len(facets):
            condition += " AND string_to_array(facets, ' ') @> CAST(:tokens AS text[])"
        return condition, {"words": tsquery_text(words), "facets": _facet_tsquery(narrow), "tokens": facets}

    def _count(self, condition: str, params: dict[str, Any]) -> int:
        sql = f"SELECT count(*) FROM {SEARCH_INDEX} WHERE {condition}"
        return int(self.session.execute(text(sql), params).scalar_one())

    def page(self, words: list[str], facets: list[str], limit: int, offset: int) -> tuple[int, list[tuple[str, float]]]:
        condition, params = self._condition(words, facets)
        # One pass over the matches: each ranked and counted, carrying only its row address, rank and place
        # (so that little is held for the count), then the page's ids read by address in the same statement.
        rows = self._all(
            "WITH ranked AS (SELECT place, ordinal, score, count(*) OVER () AS total FROM ("
            f"SELECT ctid AS place, ordinal, {self.score} AS score FROM {SEARCH_INDEX} WHERE {condition} OFFSET 0"
            ") AS matched ORDER BY score DESC, ordinal LIMIT :limit OFFSET :offset) "
            f"SELECT ranked.total, found.asset_id, ranked.score FROM ranked JOIN {SEARCH_INDEX} AS found "
            "ON found.ctid = ranked.place ORDER BY ranked.score DESC, ranked.ordinal",
            {**params, "limit": limit, "offset": offset},
        )
        total = rows[0][0] if rows else self._count(condition, params)
        return total, [(asset_id, float(score)) for _total, asset_id, score in rows]

    def hits(self, words: list[str], page: list[tuple[str, float]]) -> list[SearchHit]:
        options = (
            f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords={SNIPPET_WORDS}, MinWords=4, MaxFragments=1, "
            'FragmentDelimiter=" … "'
        )
        headline = "ts_headline('english', {0}, to_tsquery('english', :words), :options)"
        others = "concat_ws(' … ', nullif(s.terms, ''), nullif(s.names, ''), nullif(s.title, ''))"
        columns = ", ".join(f"a.{name}" for name in _HIT_COLUMNS)
        rows = self._all(
            f"SELECT {columns}, {headline.format('s.description')}, {headline.format(others)} "
            f"FROM catalogue_assets AS a JOIN {SEARCH_INDEX} AS s ON s.asset_id = a.id WHERE a.id = ANY(:ids)",
            {"words": tsquery_text(words), "options": options, "ids": [asset_id for asset_id, _rank in page]},
        )
        found = {row.id: (row, next((shown for shown in map(_marked, row[-2:]) if shown), "")) for row in rows}
        return [_hit(found[i][0], found[i][1], rank) for i, rank in page if i in found]

    def browse(self, facets: list[str], limit: int, offset: int) -> tuple[int, list[str]]:
        condition, params = self._condition([], facets)
        rows = self._all(
            f"SELECT asset_id FROM {SEARCH_INDEX} WHERE {condition} ORDER BY ordinal LIMIT :limit OFFSET :offset",
            {**params, "limit": limit, "offset": offset},
        )
        return self._count(condition, params), [row[0] for row in rows]


_HIT_COLUMNS = ("id", "kind", "title", "layer", "parent_id", "owner", "business_area", "classification", "personal")


def _rows(session: Session, ids: Sequence[str]) -> dict[str, Any]:
    """The columns hits show of the assets ``ids``, by id."""
    columns = [getattr(CatalogueAsset, name) for name in (*_HIT_COLUMNS, "description")]
    return {row.id: row for row in session.execute(select(*columns).where(CatalogueAsset.id.in_(ids)))}


def _marked(snippet: str | None) -> str | None:
    """A snippet with its markers shown as brackets, or None when it marks no match."""
    if not snippet or _OPEN not in snippet:
        return None
    return snippet.replace(_OPEN, "[").replace(_CLOSE, "]")


def _hit(row: Any, snippet: str, rank: float) -> SearchHit:
    return SearchHit(**{name: getattr(row, name) for name in _HIT_COLUMNS}, snippet=snippet, rank=rank)


def _browse_all(session: Session, query: str, limit: int, offset: int) -> SearchResults:
    """Every present asset, by kind and id."""
    present = CatalogueAsset.present.is_(True)
    kind_order = case({kind: number for number, kind in enumerate(KINDS)}, value=CatalogueAsset.kind, else_=len(KINDS))
    asset_id: Any = CatalogueAsset.id.collate("C") if _postgres(session) else CatalogueAsset.id
    total = session.scalar(select(func.count()).select_from(CatalogueAsset).where(present)) or 0
    rows = session.scalars(
        select(CatalogueAsset).where(present).order_by(kind_order, asset_id).limit(limit).offset(offset)
    ).all()
    return SearchResults(query, total, [_hit(row, _opening(row.description), 0.0) for row in rows])


def _opening(description: str) -> str:
    """The first words of a description: the snippet of a hit listed without a query."""
    words = description.split()
    return " ".join(words[:SNIPPET_WORDS]) + (" …" if len(words) > SNIPPET_WORDS else "")
