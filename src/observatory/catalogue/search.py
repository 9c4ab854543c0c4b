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

Ranking: FTS5's ``bm25`` on SQLite, ``ts_rank`` on PostgreSQL, with the column weights above; ties
go by kind (``ids.KINDS``) and then id. Documents are stored in *index order*, shortest first (then
kind, then id). When a query matches more than ``CANDIDATES`` assets, the first ``CANDIDATES`` of
them in index order are ranked and the rest follow in index order: the cost of a query stays bounded
however common its words, and as both engines favour short documents the first page rarely changes.
``total`` always counts every match. An empty query lists the matching assets by kind and id.
"""

from __future__ import annotations

import hashlib
import json
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
"""``ts_rank`` weights of D (filter tokens), C, B and A lexemes."""

PG_NORMALISATION = 1
"""``ts_rank`` divides by 1 + log(document length), so that short documents come first, as with ``bm25``."""

CANDIDATES = 2_000
"""How many matches, in index order, a query ranks; the rest follow in index order."""

MAX_WORDS = 32
"""Words of a query beyond this many are ignored."""

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
        """Raise a clear error for a kind, layer or classification that does not exist."""
        allowed = {"kind": KINDS, "layer": LAYERS, "classification": get_args(Classification)}
        for name, choices in allowed.items():
            value = getattr(self, name)
            if value is not None and value not in choices:
                raise ObservatoryError(f"no {name} {value!r} to filter on (one of: {', '.join(choices)})")

    def tokens(self) -> list[str]:
        """The facet tokens an asset must have to pass."""
        return [_facet(name, getattr(self, name)) for name in _FACETS if getattr(self, name) is not None]


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

    def length(self) -> int:
        """Words in the document: index order puts short documents first."""
        return sum(len(_WORD.findall(part)) for part in (self.title, self.names, self.terms, self.description))

    def row(self) -> tuple[str, str, str, str, str, str]:
        return (self.asset_id, self.title, self.names, self.terms, self.description, self.facets)


# ------------------------------------------------------------------------------------------- documents

_FACETS = {"kind": "k", "layer": "l", "owner": "o", "business_area": "a", "classification": "c", "personal": "p"}


def _facet(name: str, value: Any) -> str:
    """A filter token: ``=`` (which no word of a query holds), a letter for the filter, and the value's hash."""
    if name == "personal":
        return f"=p{int(bool(value))}"
    folded = str(value).strip().lower().encode()
    return f"={_FACETS.get(name, name)}{int.from_bytes(hashlib.blake2b(folded, digest_size=7).digest(), 'big')}"


def _facets(asset: AssetRecord) -> str:
    tokens = [_facet("id", asset.id)]
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
    """One document per present asset, in index order: fewest words first, then by kind, then by id."""
    present = [asset for asset in assets if asset.present]
    fields: dict[str, list[str]] = defaultdict(list)
    terms: dict[str, list[str]] = defaultdict(list)
    for asset in present:
        if asset.kind == "field" and asset.parent_id:
            fields[asset.parent_id].append(asset.name)
        elif asset.kind == "term":
            words = _term_words(asset)
            for linked in dict.fromkeys(_listed(asset.register.get("links"))):
                terms[linked].append(words)
    made = [document(asset, fields.get(asset.id, ()), terms.get(asset.id, ())) for asset in present]
    return sorted(made, key=lambda doc: (doc.length(), _kind_order(doc.asset_id), doc.asset_id))


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
    cursor = driver.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {SEARCH_INDEX} (rowid, asset_id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows
        )
    finally:
        cursor.close()


def update_index(session: Session, asset: AssetRecord) -> None:
    """Replace one asset's document (after an edit); a term's edit also refreshes the assets it links to.

    The document keeps its place in index order (a new one goes last) until the next rebuild."""
    changed = [asset.id]
    if asset.kind == "term":
        changed += _listed(asset.register.get("links"))
    terms = [
        AssetRecord.from_row(row)
        for row in session.scalars(
            select(CatalogueAsset)
            .where(CatalogueAsset.kind == "term", CatalogueAsset.present.is_(True))
            .order_by(CatalogueAsset.id)
        )
    ]
    terms = [asset if term.id == asset.id else term for term in terms]
    for asset_id in dict.fromkeys(changed):
        row = session.get(CatalogueAsset, asset_id) if asset_id != asset.id else None
        current = asset if asset_id == asset.id else (AssetRecord.from_row(row) if row is not None else None)
        place = _remove_document(session, asset_id)
        if current is None or not current.present:
            continue
        fields = session.scalars(
            select(CatalogueAsset.name).where(
                CatalogueAsset.parent_id == current.id, CatalogueAsset.kind == "field", CatalogueAsset.present.is_(True)
            )
        ).all()
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
        {"facet": "facets : " + _quoted(_facet("id", asset_id)), "id": asset_id},
    ).scalar()
    if place is not None:
        session.execute(text(f"DELETE FROM {SEARCH_INDEX} WHERE rowid = :place"), {"place": place})
    return int(place) if place is not None else None


def _insert_document(session: Session, doc: SearchDocument, place: int | None) -> None:
    order = "ordinal" if _postgres(session) else "rowid"
    if place is None:
        place = int(session.execute(text(f"SELECT coalesce(max({order}), 0) + 1 FROM {SEARCH_INDEX}")).scalar_one())
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
    found = [word for word in _WORD.findall(text_.lower()) if word not in STOP_WORDS]
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
            return SearchResults(text, total, [_hit(rows[i], _opening(rows[i].description), 0.0) for i in ids])
        total, page = engine.page(words, facets, limit, offset)
        return SearchResults(text, total, engine.hits(words, page) if page else [])


class _Engine:
    """What a backend answers; ``page`` ranks the first ``CANDIDATES`` matches and lists the rest after them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _all(self, sql: str, params: dict[str, Any]) -> list[Any]:
        return list(self.session.execute(text(sql), params).all())

    def count(self, words: list[str], facets: list[str]) -> int:
        raise NotImplementedError

    def ranked(
        self, words: list[str], facets: list[str], total: int | None, limit: int, offset: int
    ) -> tuple[int | None, list[tuple[str, float]]]:
        """The total if found on the way (else None), and ``limit`` candidates from ``offset``, best first."""
        raise NotImplementedError

    def rest(self, words: list[str], facets: list[str], limit: int, offset: int) -> list[tuple[str, float]]:
        """Matches after the candidates, in index order, from ``offset`` of them."""
        raise NotImplementedError

    def hits(self, words: list[str], page: list[tuple[str, float]]) -> list[SearchHit]:
        raise NotImplementedError

    def browse(self, facets: list[str], limit: int, offset: int) -> tuple[int, list[str]]:
        """Assets with every one of ``facets``, by kind and id."""
        raise NotImplementedError

    def page(self, words: list[str], facets: list[str], limit: int, offset: int) -> tuple[int, list[tuple[str, float]]]:
        total = self.count(words, facets) if offset >= CANDIDATES or not self.counts_on_the_way else None
        found: list[tuple[str, float]] = []
        if offset < CANDIDATES and (total is None or offset < total):
            counted, found = self.ranked(words, facets, total, min(limit, CANDIDATES - offset), offset)
            total = counted if total is None else total
        if total is None:
            total = self.count(words, facets)
        if offset + limit > CANDIDATES and total > CANDIDATES:
            found += self.rest(words, facets, limit - len(found), max(0, offset - CANDIDATES))
        return total, found

    counts_on_the_way = False


class _Sqlite(_Engine):
    """The queries on an FTS5 table, whose rowid is the index order."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        weights = ", ".join(str(weight) for weight in WEIGHTS.values())
        self.score = f"bm25({SEARCH_INDEX}, 0, {weights}, 0)"
        kinds = " ".join(f"WHEN '{kind}' THEN {number}" for number, kind in enumerate(KINDS))
        self.kind_order = f"CASE substr(asset_id, 1, instr(asset_id, '.') - 1) {kinds} ELSE {len(KINDS)} END"

    def count(self, words: list[str], facets: list[str]) -> int:
        sql = f"SELECT count(*) FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :match"
        return int(self.session.execute(text(sql), {"match": fts5_query(words, facets)}).scalar_one())

    def _bound(self, match: str) -> int:
        """The rowid of the last candidate."""
        found = self.session.execute(
            text(
                f"SELECT rowid FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :match ORDER BY rowid "
                "LIMIT 1 OFFSET :last"
            ),
            {"match": match, "last": CANDIDATES - 1},
        ).scalar()
        return int(found) if found is not None else 2**62

    def ranked(
        self, words: list[str], facets: list[str], total: int | None, limit: int, offset: int
    ) -> tuple[int | None, list[tuple[str, float]]]:
        """``bm25`` of every candidate, sorted here by score and index order (so no row is read for it); where
        scores tie within the page's range, by kind and id."""
        match = fts5_query(words, facets)
        bound = self._bound(match) if total is None or total > CANDIDATES else 2**62
        scored = self._all(
            f"SELECT rowid, {self.score} FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :match AND rowid <= :bound",
            {"match": match, "bound": bound},
        )
        scored.sort(key=lambda row: (row[1], row[0]))
        page = scored[offset : offset + limit]
        if not page:
            return None, []
        low, high = page[0][1], page[-1][1]
        first = next(number for number, row in enumerate(scored) if row[1] >= low)
        window = [row for row in scored[first:] if row[1] <= high]
        ids = dict(
            self._all(
                f"SELECT rowid, asset_id FROM {SEARCH_INDEX} WHERE rowid IN (SELECT value FROM json_each(:rowids))",
                {"rowids": json.dumps([row[0] for row in window])},
            )
        )
        window.sort(key=lambda row: (row[1], _kind_order(ids[row[0]]), ids[row[0]]))
        return None, [(ids[rowid], -score) for rowid, score in window[offset - first : offset - first + limit]]

    def rest(self, words: list[str], facets: list[str], limit: int, offset: int) -> list[tuple[str, float]]:
        match = fts5_query(words, facets)
        rows = self._all(
            f"SELECT asset_id, {self.score} FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :match "
            "AND rowid > :bound ORDER BY rowid LIMIT :limit OFFSET :offset",
            {"match": match, "bound": self._bound(match), "limit": limit, "offset": offset},
        )
        return [(asset_id, -score) for asset_id, score in rows]

    def hits(self, words: list[str], page: list[tuple[str, float]]) -> list[SearchHit]:
        """The page's assets, each with its best snippet: from its description, else its terms, names or title."""
        columns = ", ".join(
            f"snippet({SEARCH_INDEX}, {number}, :open, :close, '…', {SNIPPET_WORDS})" for number in (4, 3, 2, 1)
        )
        lookup = " OR ".join(f"facets : {_quoted(_facet('id', asset_id))}" for asset_id, _rank in page)
        found = self._all(
            f"SELECT asset_id, {columns} FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :match",
            {"match": f"({fts5_query(words)}) AND ({lookup})", "open": _OPEN, "close": _CLOSE},
        )
        snippets = {asset_id: next((shown for shown in map(_marked, made) if shown), "") for asset_id, *made in found}
        rows = _rows(self.session, [asset_id for asset_id, _rank in page])
        return [_hit(rows[i], snippets.get(i, ""), rank) for i, rank in page if i in rows]

    def browse(self, facets: list[str], limit: int, offset: int) -> tuple[int, list[str]]:
        rows = self._all(
            f"SELECT asset_id FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :match "
            f"ORDER BY {self.kind_order}, asset_id LIMIT :limit OFFSET :offset",
            {"match": fts5_query((), facets), "limit": limit, "offset": offset},
        )
        return self.count([], facets), [row[0] for row in rows]


class _Postgres(_Engine):
    """The queries on the ``tsvector`` table, whose ``ordinal`` is the index order."""

    counts_on_the_way = True

    @staticmethod
    def _kind_order(prefix: str) -> str:
        return f"coalesce(array_position(CAST(:kinds AS text[]), split_part({prefix}asset_id, '.', 1)), 99)"

    @staticmethod
    def _score(prefix: str) -> str:
        return f"ts_rank('{PG_WEIGHTS}', {prefix}document, to_tsquery('english', :words), {PG_NORMALISATION})"

    @staticmethod
    def _query(words: list[str], facets: list[str]) -> tuple[str, dict[str, Any]]:
        """The condition on a document: its words through the GIN index; filters alone through the index too,
        and with words on the rows those words find (a filter token may be on most documents)."""
        if not words:
            return "document @@ CAST(:facets AS tsquery)", {"facets": _facet_tsquery(facets)}
        condition = "document @@ to_tsquery('english', :words)"
        if facets:
            condition += " AND string_to_array(facets, ' ') @> CAST(:tokens AS text[])"
        return condition, {"words": tsquery_text(words), "tokens": facets}

    def count(self, words: list[str], facets: list[str]) -> int:
        condition, params = self._query(words, facets)
        sql = f"SELECT count(*) FROM {SEARCH_INDEX} WHERE {condition}"
        return int(self.session.execute(text(sql), params).scalar_one())

    def ranked(
        self, words: list[str], facets: list[str], total: int | None, limit: int, offset: int
    ) -> tuple[int | None, list[tuple[str, float]]]:
        """One statement: every match counted, the first candidates in index order taken (by row address, so
        that what is sorted stays small) and ranked."""
        condition, params = self._query(words, facets)
        rows = self._all(
            f"WITH candidates AS (SELECT ctid AS place, count(*) OVER () AS total FROM {SEARCH_INDEX} "
            f"WHERE {condition} ORDER BY ordinal LIMIT :candidates) "
            f"SELECT c.total, s.asset_id, {self._score('s.')} AS score FROM candidates AS c "
            f"JOIN {SEARCH_INDEX} AS s ON s.ctid = c.place "
            f'ORDER BY score DESC, {self._kind_order("s.")}, s.asset_id COLLATE "C" '
            "LIMIT :limit OFFSET :offset",
            {**params, "candidates": CANDIDATES, "kinds": list(KINDS), "limit": limit, "offset": offset},
        )
        return (rows[0][0] if rows else None), [(asset_id, float(score)) for _total, asset_id, score in rows]

    def rest(self, words: list[str], facets: list[str], limit: int, offset: int) -> list[tuple[str, float]]:
        condition, params = self._query(words, facets)
        rows = self._all(
            f"SELECT asset_id, {self._score('')} FROM {SEARCH_INDEX} WHERE {condition} "
            "ORDER BY ordinal LIMIT :limit OFFSET :offset",
            {**params, "limit": limit, "offset": CANDIDATES + offset},
        )
        return [(asset_id, float(score)) for asset_id, score in rows]

    def hits(self, words: list[str], page: list[tuple[str, float]]) -> list[SearchHit]:
        """The page's assets, each with its best snippet: from its description, else its terms, names or title."""
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
        condition, params = self._query([], facets)
        rows = self._all(
            f"SELECT asset_id FROM {SEARCH_INDEX} WHERE {condition} "
            f'ORDER BY {self._kind_order("")}, asset_id COLLATE "C" LIMIT :limit OFFSET :offset',
            {**params, "kinds": list(KINDS), "limit": limit, "offset": offset},
        )
        return self.count([], facets), [row[0] for row in rows]


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
