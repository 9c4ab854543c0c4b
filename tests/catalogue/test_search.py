"""Catalogue search: matching, ranking, filters, snippets and edits, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from observatory.catalogue.edits import edit_asset
from observatory.catalogue.records import AssetRecord
from observatory.catalogue.search import SearchFilters, SearchResults, rebuild_index, search
from observatory.catalogue.store import list_assets, write_catalogue
from observatory.errors import ObservatoryError
from observatory.meta.store import MetaStore
from tests.support.postgres import PostgresServer

ASC: dict[str, Any] = {
    "owner": "Jane Smith",
    "business_area": "Adult Social Care",
    "classification": "OFFICIAL-SENSITIVE",
}
HOUSING: dict[str, Any] = {"owner": "Raj Patel", "business_area": "Housing"}


def _field(dataset: AssetRecord, name: str, title: str, description: str, **values: object) -> AssetRecord:
    return AssetRecord(
        id=f"field.{dataset.id.removeprefix('dataset.')}.{name}", kind="field", name=name, title=title,
        description=description, layer=dataset.layer, parent_id=dataset.id, owner=dataset.owner,
        business_area=dataset.business_area, classification=dataset.classification, **values,  # type: ignore[arg-type]
    )  # fmt: skip


def catalogue() -> list[AssetRecord]:
    """A small council catalogue: two sources, datasets in three layers, fields, terms and a gone dataset."""
    clients = AssetRecord(
        id="dataset.asc.clients", kind="dataset", name="clients", title="Clients", layer="standard", personal=True,
        description="People receiving adult social care support, with the postcode of their home.",
        register={"purpose": "Care and support assessments", "keywords": ["social care"]}, **ASC,
    )  # fmt: skip
    tenancies = AssetRecord(
        id="dataset.housing.tenancies", kind="dataset", name="tenancies", title="Housing tenancies", layer="standard",
        description="Council tenancies and the addresses of the properties let.", personal=True, **HOUSING,
    )  # fmt: skip
    repairs = AssetRecord(
        id="dataset.housing.repairs", kind="dataset", name="repairs", title="Repairs", layer="standard",
        description="Repairs to council homes; the tenant's date of birth is not held here.", **HOUSING,
    )  # fmt: skip
    residents = AssetRecord(
        id="dataset.linked.residents", kind="dataset", name="residents", title="Residents", layer="linked",
        description="One row per resident, linked across services.", owner="Data Team", business_area="Corporate",
        personal=True,
    )  # fmt: skip
    raw = AssetRecord(
        id="dataset.raw.asc__clients", kind="dataset", name="asc__clients", title="Clients as loaded", layer="raw",
        description="The client extract as it arrived.", personal=True, **ASC,
    )  # fmt: skip
    return [
        AssetRecord(id="source.asc", kind="source", name="asc", title="Mosaic adult social care",
                    description="The adult social care case management system.", **ASC),
        AssetRecord(id="source.housing", kind="source", name="housing", title="Northgate housing",
                    description="Housing management system.", **HOUSING),
        clients,
        _field(clients, "date_of_birth", "Date of birth", "When the client was born.", personal=True),
        _field(clients, "postcode", "Postcode", "Postcode of the client's home.", personal=True),
        _field(clients, "nhs_number", "NHS number", "The client's NHS number.", personal=True),
        _field(clients, "person_id", "Person id", "Identifier of the person in Mosaic."),
        tenancies,
        _field(tenancies, "tenancy_start", "Tenancy start", "Date the tenancy started."),
        _field(tenancies, "address_line_1", "Address line 1", "First line of the address.", personal=True),
        _field(tenancies, "postcode", "Postcode", "Postcode of the property.", personal=True),
        repairs,
        _field(repairs, "repair_date", "Repair date", "Date the repair was reported."),
        residents,
        raw,
        _field(raw, "Date of Birth", "Date of Birth", "As typed into the extract.", personal=True),
        AssetRecord(id="term.date_of_birth", kind="term", name="date_of_birth", title="Date of birth",
                    description="The date a person was born.", owner="Data Team",
                    register={"synonyms": ["DOB", "birth date"], "links": ["field.asc.clients.date_of_birth"]}),
        AssetRecord(id="term.resident", kind="term", name="resident", title="Resident",
                    description="A person who lives in the borough.", owner="Data Team",
                    register={"synonyms": ["citizen", "inhabitant"],
                              "links": ["dataset.linked.residents", "field.asc.clients.person_id"]}),
        AssetRecord(id="dataset.old.legacy_clients", kind="dataset", name="legacy_clients", layer="standard",
                    title="Legacy clients", description="Clients of the old system, with their postcode.",
                    present=False),
    ]  # fmt: skip


def store(url: str) -> MetaStore:
    meta = MetaStore(url)
    meta.migrate()
    write_catalogue(meta, catalogue(), [])
    return meta


@pytest.fixture
def meta(meta_url: str) -> Iterator[MetaStore]:
    opened = store(meta_url)
    yield opened
    opened.close()


def ids(results: SearchResults) -> list[str]:
    return [hit.id for hit in results.hits]


def test_a_field_named_like_the_query_ranks_above_datasets_mentioning_it(meta: MetaStore) -> None:
    found = ids(search(meta, "date of birth"))
    assert found.index("field.asc.clients.date_of_birth") < found.index("dataset.housing.repairs")
    assert found.index("term.date_of_birth") < found.index("dataset.housing.repairs")
    assert found.index("field.raw.asc__clients.Date of Birth") < found.index("dataset.housing.repairs")
    assert set(found[:3]) == {"field.asc.clients.date_of_birth", "term.date_of_birth",
                              "field.raw.asc__clients.Date of Birth"}  # fmt: skip


def test_a_synonym_finds_the_term_and_what_it_links_to(meta: MetaStore) -> None:
    assert ids(search(meta, "DOB")) == ["term.date_of_birth", "field.asc.clients.date_of_birth"]
    found = ids(search(meta, "citizen"))
    assert found[0] == "term.resident"
    assert set(found) == {"term.resident", "dataset.linked.residents", "field.asc.clients.person_id"}


def test_words_match_as_prefixes_after_stemming_and_whatever_the_case(meta: MetaStore) -> None:
    postcode = ids(search(meta, "postcode"))
    assert "field.asc.clients.postcode" in postcode
    assert ids(search(meta, "postc")) == postcode
    assert ids(search(meta, "POSTCODE")) == postcode
    assert ids(search(meta, "Postcodes")) == postcode
    addresses = ids(search(meta, "addresses"))
    assert {"field.housing.tenancies.address_line_1", "dataset.housing.tenancies"} <= set(addresses)
    assert "dataset.housing.tenancies" in ids(search(meta, "tenancy"))


def test_every_word_must_match(meta: MetaStore) -> None:
    both = ids(search(meta, "postcode client"))
    assert "field.asc.clients.postcode" in both
    assert "field.housing.tenancies.postcode" not in both
    assert set(both) < set(ids(search(meta, "postcode")))
    assert search(meta, "postcode zebra").total == 0


def test_stop_words_are_left_out(meta: MetaStore) -> None:
    assert ids(search(meta, "the date of the birth")) == ids(search(meta, "date birth"))
    assert search(meta, "the of and").total == 0


@pytest.mark.parametrize(
    ("text", "filters", "expected"),
    [
        ("postcode", SearchFilters(kind="dataset"), {"dataset.asc.clients", "dataset.housing.tenancies"}),
        ("postcode", SearchFilters(owner="jane SMITH "), {"dataset.asc.clients", "field.asc.clients.postcode"}),
        ("postcode", SearchFilters(business_area="housing"),
         {"dataset.housing.tenancies", "field.housing.tenancies.postcode"}),
        ("postcode", SearchFilters(classification="OFFICIAL-SENSITIVE"),
         {"dataset.asc.clients", "field.asc.clients.postcode"}),
        ("postcode", SearchFilters(owner="Nobody"), set()),
        ("postcode", SearchFilters(kind="field", owner="Raj Patel"), {"field.housing.tenancies.postcode"}),
        ("client", SearchFilters(layer="raw"), {"dataset.raw.asc__clients"}),
        ("client", SearchFilters(layer="linked"), set()),
        ("date", SearchFilters(personal=True), {"field.asc.clients.date_of_birth", "dataset.asc.clients",
                                                "field.raw.asc__clients.Date of Birth", "dataset.raw.asc__clients"}),
        ("date", SearchFilters(personal=False), {"term.date_of_birth", "dataset.housing.repairs",
                                                 "field.housing.repairs.repair_date",
                                                 "field.housing.tenancies.tenancy_start"}),
    ],
)  # fmt: skip
def test_filters_narrow_the_matches(meta: MetaStore, text: str, filters: SearchFilters, expected: set[str]) -> None:
    results = search(meta, text, filters)
    assert set(ids(results)) == expected
    assert results.total == len(expected)


def test_filters_without_words_list_assets_by_kind_then_id(meta: MetaStore) -> None:
    results = search(meta, "", SearchFilters(owner="raj patel"))
    assert ids(results) == [
        "source.housing", "dataset.housing.repairs", "dataset.housing.tenancies", "field.housing.repairs.repair_date",
        "field.housing.tenancies.address_line_1", "field.housing.tenancies.postcode",
        "field.housing.tenancies.tenancy_start",
    ]  # fmt: skip
    assert ids(search(meta, "", SearchFilters(kind="term"))) == ["term.date_of_birth", "term.resident"]
    assert ids(search(meta, "", SearchFilters(personal=False, kind="dataset"))) == ["dataset.housing.repairs"]


def test_an_empty_query_lists_every_present_asset_by_kind_then_id(meta: MetaStore) -> None:
    results = search(meta, "", limit=100)
    present = [asset for asset in catalogue() if asset.present]
    assert results.total == len(present)
    kinds = ("source", "file", "dataset", "field", "term", "report", "kpi", "output")
    assert ids(results) == [a.id for a in sorted(present, key=lambda a: (kinds.index(a.kind), a.id))]


def test_assets_no_longer_present_are_never_found(meta: MetaStore) -> None:
    assert search(meta, "legacy").total == 0
    assert "dataset.old.legacy_clients" not in ids(search(meta, "", limit=100))


def test_pages_cover_every_match_once_in_rank_order(meta: MetaStore) -> None:
    everything = search(meta, "date", limit=100)
    assert everything.total == len(everything.hits) == 8
    pages = [search(meta, "date", limit=3, offset=offset) for offset in (0, 3, 6)]
    assert [page.total for page in pages] == [8, 8, 8]
    assert [hit_id for page in pages for hit_id in ids(page)] == ids(everything)
    ranks = [hit.rank for hit in everything.hits]
    assert ranks == sorted(ranks, reverse=True)
    beyond = search(meta, "date", limit=2, offset=10)
    assert (beyond.total, beyond.hits) == (8, [])


def test_equal_ranks_are_listed_by_kind_then_id(meta: MetaStore) -> None:
    voids = AssetRecord(id="dataset.housing.voids", kind="dataset", name="voids", title="Voids", layer="standard",
                        description="Empty council homes.", **HOUSING)  # fmt: skip
    twin = _field(voids, "postcode", "Postcode", "Postcode of the property.", personal=True)
    write_catalogue(meta, [twin, *catalogue(), voids], [])
    found = search(meta, "postcode", SearchFilters(kind="field"))
    twins = [hit for hit in found.hits if hit.id.startswith("field.housing.")]
    assert [hit.id for hit in twins] == ["field.housing.tenancies.postcode", "field.housing.voids.postcode"]
    assert twins[0].rank == twins[1].rank
    assert ids(found).index("field.housing.voids.postcode") == ids(found).index("field.housing.tenancies.postcode") + 1


def test_bad_filters_and_pages_are_refused_clearly(meta: MetaStore) -> None:
    with pytest.raises(ObservatoryError, match="no kind 'datasets'"):
        search(meta, "x", SearchFilters(kind="datasets"))
    with pytest.raises(ObservatoryError, match="no layer"):
        search(meta, "x", SearchFilters(layer="gold"))
    with pytest.raises(ObservatoryError, match="limit"):
        search(meta, "x", limit=0)
    with pytest.raises(ObservatoryError, match="offset"):
        search(meta, "x", offset=-1)


HOSTILE = ['"', "*", "NEAR(", "'; drop table x; --", ":*", "&|!", "postcode)", '"postcode', "post-code*", "a:b",
           "(((", "AND OR NOT", "{title}: x", "^postcode", "\\", "%_", "\x00", "Zoë", "日本語", "😀 postcode",
           "x" * 5000, " ".join(["postcode"] * 200)]  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
def test_no_input_is_a_syntax_error(meta: MetaStore, text: str) -> None:
    results = search(meta, text)
    words = [w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split()]
    if not words:
        assert results.total == len([a for a in catalogue() if a.present])  # only punctuation: listed, as for ""
    if "postcode" in text.lower() and "post-code" not in text:
        assert ids(results) == ids(search(meta, "postcode"))
    assert search(meta, "postcode").total == 4  # nothing was harmed


def test_hostile_filter_values_only_filter(meta: MetaStore) -> None:
    assert search(meta, "postcode", SearchFilters(owner="'; drop table catalogue_assets; --")).total == 0
    assert search(meta, "", SearchFilters(business_area='" OR 1=1 --')).total == 0
    assert search(meta, "postcode").total == 4


def test_snippets_mark_the_match_in_plain_text(meta: MetaStore) -> None:
    hit = next(hit for hit in search(meta, "postc").hits if hit.id == "dataset.asc.clients")
    assert "[postcode]" in hit.snippet
    assert "<" not in hit.snippet
    assert search(meta, "DOB").hits[1].snippet  # found through the term: the term's words are shown


def test_results_as_json(meta: MetaStore) -> None:
    data = json.loads(json.dumps(search(meta, "nhs", limit=5).to_dict()))
    assert data["query"] == "nhs" and data["total"] == 2
    assert data["hits"][0]["rank"] > data["hits"][1]["rank"] > 0
    assert data["hits"][0] | {"rank": 0, "snippet": ""} == {
        "id": "field.asc.clients.nhs_number", "kind": "field", "title": "NHS number", "layer": "standard",
        "parent_id": "dataset.asc.clients", "owner": "Jane Smith", "business_area": "Adult Social Care",
        "classification": "OFFICIAL-SENSITIVE", "personal": True, "rank": 0, "snippet": "",
    }  # fmt: skip


def test_an_edit_is_found_at_once(meta: MetaStore) -> None:
    assert search(meta, "gazetteer").total == 0
    edit_asset(
        meta, "dataset.housing.repairs", {"description": "Repairs, by property in the local gazetteer."}, by="ann"
    )
    assert ids(search(meta, "gazetteer")) == ["dataset.housing.repairs"]
    assert "dataset.housing.repairs" not in ids(search(meta, "birth"))
    edit_asset(meta, "dataset.housing.repairs", {"information_asset_owner": "Jane Smith"}, by="ann")
    assert "dataset.housing.repairs" in ids(search(meta, "repairs", SearchFilters(owner="jane smith")))


def test_a_term_edit_refreshes_what_it_links_to(meta: MetaStore) -> None:
    edit_asset(meta, "term.resident", {"synonyms": "citizen, ratepayer"}, by="ann")
    found = ids(search(meta, "ratepayer"))
    assert found[0] == "term.resident"
    assert set(found[1:]) == {"dataset.linked.residents", "field.asc.clients.person_id"}
    assert search(meta, "inhabitant").total == 0


def test_an_edited_document_is_the_one_a_rebuild_would_make(meta: MetaStore) -> None:
    edit_asset(meta, "dataset.asc.clients", {"description": "Clients, and the postcode of their carers."}, by="ann")
    edit_asset(meta, "term.date_of_birth", {"synonyms": "DOB, birthday"}, by="ann")
    queries = ["postcode", "client", "birthday", "date of birth", "carers"]
    edited = [search(meta, text).hits for text in queries]
    with meta.session() as session:
        rebuild_index(session, list_assets(meta))
    rebuilt = [search(meta, text).hits for text in queries]
    assert [[(hit.id, hit.snippet) for hit in hits] for hits in edited] == [
        [(hit.id, hit.snippet) for hit in hits] for hits in rebuilt
    ]
    assert [hit.rank for hits in edited for hit in hits] == pytest.approx(
        [hit.rank for hits in rebuilt for hit in hits]
    )
    assert [hit.id for hit in edited[2]] == [
        "term.date_of_birth",
        "field.asc.clients.date_of_birth",
    ]


def test_an_index_behind_the_catalogue_is_rebuilt_at_the_next_edit(meta: MetaStore) -> None:
    with meta.session() as session:
        session.execute(text("DELETE FROM catalogue_search WHERE asset_id = 'dataset.housing.repairs'"))
    assert search(meta, "repairs", SearchFilters(kind="dataset")).total == 0
    edit_asset(meta, "dataset.housing.repairs", {"description": "Repairs to council homes."}, by="ann")
    assert ids(search(meta, "repairs", SearchFilters(kind="dataset"))) == ["dataset.housing.repairs"]
    assert ids(search(meta, "", SearchFilters(kind="dataset"))) == ids(search(meta, "", limit=100))[2:7]


def test_a_rebuild_replaces_the_index(meta: MetaStore) -> None:
    write_catalogue(meta, [asset for asset in catalogue() if asset.kind != "term"], [])
    assert search(meta, "citizen").total == 0
    assert ids(search(meta, "DOB")) == []
    assert search(meta, "postcode").total == 4


QUERIES = [("date of birth", SearchFilters()), ("postcode", SearchFilters()), ("postc", SearchFilters(kind="field")),
           ("client", SearchFilters()), ("care", SearchFilters(personal=True)), ("dob", SearchFilters()),
           ("addresses", SearchFilters()), ("housing", SearchFilters(owner="RAJ PATEL")), ("resident", SearchFilters()),
           ("number", SearchFilters(layer="standard")), ("", SearchFilters(classification="OFFICIAL-SENSITIVE")),
           ("mosaic social", SearchFilters()), ("'; drop", SearchFilters()), ("", SearchFilters())]  # fmt: skip


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_the_same_hits_in_the_same_order(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    name = f"search_{uuid.uuid4().hex[:12]}"
    sqlite, postgres = store(f"sqlite:///{tmp_path / 'meta.sqlite'}"), store(postgres_server.create_database(name))
    try:
        for text, filters in QUERIES:
            on_sqlite, on_postgres = search(sqlite, text, filters, limit=50), search(postgres, text, filters, limit=50)
            assert ids(on_sqlite) == ids(on_postgres), text
            assert on_sqlite.total == on_postgres.total, text
            assert bool(on_sqlite.hits) == bool(on_postgres.hits)
    finally:
        sqlite.close()
        postgres.close()
        postgres_server.drop_database(name)
