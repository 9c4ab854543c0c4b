"""Authoring specs: the shape of ``observatory.yml`` and ``sources/*.yml`` as pydantic models.

These are what a person writes. Runtime objects (``Project``, ``Source``, ``Dataset``) are
compiled from them in ``config.project``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
"""Source and dataset names: lower case, digits and underscores; they become table names."""

FileFormat = Literal["csv", "xlsx", "parquet", "json", "ndjson", "sql"]

FieldTypeName = Literal[
    "text",
    "integer",
    "decimal",
    "money",
    "boolean",
    "code",
    "sex",
    "ethnicity",
    "date",
    "date_of_birth",
    "postcode",
    "uprn",
    "usrn",
    "nhs_number",
    "ni_number",
    "upn",
    "email",
    "phone",
    "person_name",
    "forename",
    "surname",
    "address",
]
"""The standard field types (``observatory.standards.types``), one per UK data standard."""

PERSONAL_TYPES = frozenset(
    {
        "date_of_birth",
        "nhs_number",
        "ni_number",
        "upn",
        "email",
        "phone",
        "person_name",
        "forename",
        "surname",
        "address",
    }
)
"""Types whose values identify a person (each type's ``personal``; a test keeps the two equal)."""

SPECIAL_CATEGORY_TYPES = frozenset({"ethnicity"})
"""Types whose values are special-category data under UK GDPR Article 9 (racial or ethnic origin)."""

LAYERS: tuple[str, ...] = ("raw", "standard", "linked", "governed", "published")
"""The warehouse layers, in flow order; no source may take one of these names."""

Dimension = Literal["completeness", "uniqueness", "consistency", "timeliness", "validity", "accuracy"]
"""The six dimensions of the Government Data Quality Framework."""

Duration = Annotated[str, Field(pattern=r"^[1-9][0-9]*[hdw]$")]
"""A freshness expectation: hours, days or weeks (``24h``, ``7d``, ``1w``)."""
Encoding = Literal["auto", "utf-8", "utf-8-sig", "windows-1252", "latin-1"]


class Spec(BaseModel):
    """Base for authoring specs: unknown keys are errors, so typos are caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SparkSpec(Spec):
    """Settings for the Spark engine (``engine: spark``)."""

    master: str = "local[2]"
    conf: dict[str, str] = Field(default_factory=dict)


class ReferenceDataSpec(Spec):
    """Reference data the standards check against."""

    postcodes: str | None = None
    """A full ONS Postcode Directory CSV (path in the project); the shipped extract when unset."""
    gazetteer: str | None = None
    """The dataset (``source.dataset``) that is the council's gazetteer (LLPG), with ``uprn`` and ``usrn`` fields."""


class QualitySettingsSpec(Spec):
    """How quality snapshots raise alerts."""

    alert_drop: float = Field(default=0.02, gt=0, le=1)
    """An alert is raised when a measure falls by more than this (a share: 0.02 is 2 points)."""
    sample_rows: int = Field(default=20, ge=0, le=1000)
    """Failing rows kept per failing rule."""


DatasetId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]
"""A dataset named as ``source.dataset``."""

SurvivorshipRule = Literal["trusted", "recent", "frequent"]
"""How a golden-record attribute picks its value: most trusted source, most recent record, most frequent value."""


class LinkDatasetSpec(Spec):
    """How one person-bearing dataset feeds linkage. Roles are found by standard type unless named here."""

    roles: dict[str, str] = Field(default_factory=dict)
    """Attribute role → field, where the type alone does not say (e.g. ``{surname: preferred_surname}``)."""
    address: list[str] | None = None
    """Fields joined, in order, into the one-line address; default: the ``address`` field, else fields named
    ``address*``, ``saon``, ``paon``, ``street``, ``locality``, ``town``."""
    recorded: str | None = None
    """A date field saying when the record was last known true, for the ``recent`` survivorship rule."""


class LinkThresholdsSpec(Spec):
    """Match probabilities that decide what happens to a pair of records."""

    match: float = Field(default=0.95, gt=0, lt=1)
    """At or above: the same resident."""
    review: float = Field(default=0.5, gt=0, lt=1)
    """From here up to ``match``: the pair goes to the clerical review queue."""
    uses: dict[Name, float] = Field(default_factory=dict)
    """Named thresholds for other uses (``{safeguarding: 0.999}``): each gives its own resident clusters."""

    @model_validator(mode="after")
    def _ordered(self) -> LinkThresholdsSpec:
        if self.review > self.match:
            raise ValueError(f"review ({self.review}) must not be above match ({self.match})")
        for use, value in self.uses.items():
            if not 0 < value < 1:
                raise ValueError(f"uses.{use} must be a probability between 0 and 1, not {value}")
        return self


class AddressMatchSpec(Spec):
    """How a source address is accepted as matching a gazetteer property (UPRN)."""

    score: float = Field(default=0.5, ge=0)
    """Lowest match score (uk_address_matcher match weight) accepted."""
    margin: float = Field(default=2.0, ge=0)
    """An address is ambiguous when the runner-up scores within this of the best."""


class LinkageSpec(Spec):
    """``linkage:`` in ``observatory.yml``: person and household linkage (``observatory link``)."""

    datasets: dict[DatasetId, LinkDatasetSpec] = Field(default_factory=dict)
    """Person-bearing datasets; when empty, every dataset with a person name and a date of birth."""
    trust: list[DatasetId] = Field(default_factory=list)
    """Datasets from most to least trusted, for the ``trusted`` survivorship rule."""
    thresholds: LinkThresholdsSpec = Field(default_factory=LinkThresholdsSpec)
    address: AddressMatchSpec = Field(default_factory=AddressMatchSpec)
    survivorship: dict[str, list[SurvivorshipRule]] = Field(default_factory=dict)
    """Attribute → rules tried in order; default ``[trusted, recent, frequent]``."""
    retrain: bool = False
    """Train the model on every run; by default the saved model (``linkage/model.json``) is reused."""


Classification = Literal["OFFICIAL", "OFFICIAL-SENSITIVE"]
"""Government Security Classifications: OFFICIAL, with the OFFICIAL-SENSITIVE handling caveat."""
AccessRights = Literal["internal", "open", "commercial"]
Rating = Literal["low", "medium", "high"]
Disposal = Literal["destroy", "anonymise", "archive", "review"]
RefreshFrequency = Literal["continuous", "daily", "weekly", "monthly", "quarterly", "annually", "irregular"]
PublicationStatus = Literal["not published", "planned", "published"]
Article6 = Literal["6(1)(a)", "6(1)(b)", "6(1)(c)", "6(1)(d)", "6(1)(e)", "6(1)(f)"]
"""UK GDPR Article 6(1) lawful bases: consent, contract, legal obligation, vital interests, public task,
legitimate interests."""
Article9 = Literal[
    "9(2)(a)", "9(2)(b)", "9(2)(c)", "9(2)(d)", "9(2)(e)", "9(2)(f)", "9(2)(g)", "9(2)(h)", "9(2)(i)", "9(2)(j)"
]
"""UK GDPR Article 9(2) conditions for special-category data."""
AssetId = Annotated[str, Field(pattern=r"^(dataset|field|kpi|report|output|term|source|file)\.[^\s].*$")]
"""A catalogue asset id, such as ``dataset.asc.clients`` or ``field.asc.clients.date_of_birth``."""


class RegisterSpec(Spec):
    """Information asset register entries of a dataset (or, as defaults, of every dataset of a source).

    Anything left out is derived where it can be (personal and special-category data from the
    field types, the classification from those, refresh frequency from ``freshness``) or left blank
    for a steward to fill in; ``observatory catalogue edit`` records edits, and a rebuild keeps them.
    """

    business_area: str | None = None
    information_asset_owner: str | None = None
    steward: str | None = None
    purpose: str | None = None
    classification: Classification | None = None
    access_rights: AccessRights | None = None
    personal_data: bool | None = None
    special_category: bool | None = None
    data_subjects: list[str] | None = None
    lawful_basis: Article6 | None = None
    special_category_condition: Article9 | None = None
    retention_period: str | None = None
    disposal: Disposal | None = None
    location: str | None = None
    refresh_frequency: RefreshFrequency | None = None
    criticality: Rating | None = None
    risk_rating: Rating | None = None
    publication_status: PublicationStatus | None = None
    last_reviewed: date | None = None
    keywords: list[str] | None = None


class ReportSpec(Spec):
    """A report or standard view built outside Observatory on its data, so lineage shows what it depends on."""

    title: str = Field(min_length=1)
    description: str = ""
    owner: str = ""
    url: str | None = None
    depends_on: list[AssetId] = Field(min_length=1)


class CatalogueSettingsSpec(Spec):
    """``catalogue:`` in ``observatory.yml``: review cycle, reports and register entries of derived datasets."""

    review_months: int = Field(default=12, ge=1, le=60)
    """Months between reviews of an information asset (the register is reviewed every year by default)."""
    reports: dict[Name, ReportSpec] = Field(default_factory=dict)
    """Reports and standard views, by id (``report.<id>``)."""
    assets: dict[AssetId, RegisterSpec] = Field(default_factory=dict)
    """Register entries of datasets that no source declares (``dataset.linked.residents``)."""
    base_uri: str = Field(default="https://data.example.gov.uk", pattern=r"^https?://[^\s]+$")
    """Where the council's catalogue lives: the DCAT export's dataset IRIs start with it."""


class TermSpec(Spec):
    """A business term of ``glossary.yml``."""

    name: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    owner: str = ""
    synonyms: list[str] = Field(default_factory=list)
    links: list[AssetId] = Field(default_factory=list)
    """Fields, datasets and KPIs the term describes."""


class GlossarySpec(Spec):
    """``glossary.yml``: the business terms, by id (``term.<id>``)."""

    terms: dict[Name, TermSpec] = Field(default_factory=dict)


class PurposeSpec(Spec):
    """A reason a person may give for opening a resident's records or unmasking personal fields."""

    id: Name
    title: str = Field(min_length=1)


DEFAULT_PURPOSES = (
    ("safeguarding", "Safeguarding a child or an adult at risk"),
    ("service_delivery", "Delivering or planning a service to this person"),
    ("fraud_prevention", "Preventing or detecting fraud"),
    ("statutory_return", "Checking a statutory return"),
    ("subject_access", "Answering a subject access request"),
    ("data_quality", "Correcting data quality"),
)


class AccessSpec(Spec):
    """``access:`` in ``observatory.yml``: purposes, session lifetimes and sign-in throttling."""

    purposes: list[PurposeSpec] = Field(
        default_factory=lambda: [PurposeSpec(id=key, title=title) for key, title in DEFAULT_PURPOSES], min_length=1
    )
    """The purposes a person chooses from before seeing a resident's records or unmasked personal fields."""
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    """A session ends after this long without a request."""
    session_hours: int = Field(default=8, ge=1, le=24 * 7)
    """A session ends this long after sign-in, however active."""
    max_failed_logins: int = Field(default=5, ge=1, le=100)
    """Failed sign-ins allowed per user name (and per address) within ``lockout_minutes``."""
    lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)


class MetricsSettingsSpec(Spec):
    """``metrics:`` in observatory.yml: the reporting window and the defaults of every KPI."""

    as_of: date | None = None
    """Periods end on or before this date (default: today); the demo sets its extract date."""
    start: date | None = None
    """The first period computed (default: five years before ``as_of``)."""
    run_length: Literal[6, 7] = 7
    """Points in a row on one side of the mean that make a shift (see docs/metrics.md for why 7)."""
    trend_length: Literal[6, 7] = 7
    screen: bool = True
    horizon: int = Field(default=12, ge=1, le=60)
    backtest_origins: int = Field(default=6, ge=1, le=24)


class ProjectSpec(Spec):
    """``observatory.yml``: one per project."""

    name: str = Field(min_length=1)
    description: str = ""
    engine: Literal["duckdb", "spark"] = "duckdb"
    warehouse: str = ".observatory/warehouse.duckdb"
    metadata_url: str | None = None
    spark: SparkSpec = Field(default_factory=SparkSpec)
    reference: ReferenceDataSpec = Field(default_factory=ReferenceDataSpec)
    quality: QualitySettingsSpec = Field(default_factory=QualitySettingsSpec)
    linkage: LinkageSpec = Field(default_factory=LinkageSpec)
    catalogue: CatalogueSettingsSpec = Field(default_factory=CatalogueSettingsSpec)
    access: AccessSpec = Field(default_factory=AccessSpec)
    metrics: MetricsSettingsSpec = Field(default_factory=MetricsSettingsSpec)
    settings: dict[str, str | int | float | bool] = Field(default_factory=dict)


class FieldSpec(Spec):
    """One field of a dataset contract: the raw column it comes from and the standard it must meet."""

    column: str | None = None
    type: FieldTypeName = "text"
    description: str = ""
    critical: bool = False
    personal: bool | None = None
    allowed: list[str] | None = None
    mapping: dict[str, str] | None = None
    formats: list[str] | None = None
    example: str | None = None
    """An example value for the data dictionary; never a real person's (refused on personal fields)."""

    @property
    def is_personal(self) -> bool:
        """Whether values identify a person: ``personal`` when given, else the type's (``PERSONAL_TYPES``)."""
        return self.personal if self.personal is not None else self.type in PERSONAL_TYPES

    @model_validator(mode="after")
    def _options_fit_type(self) -> FieldSpec:
        if self.formats is not None and self.type not in ("date", "date_of_birth"):
            raise ValueError("'formats' applies only to the date and date_of_birth types")
        if self.formats is not None and not self.formats:
            raise ValueError("'formats' needs at least one format, e.g. '%d/%m/%Y'")
        if self.mapping is not None and self.type not in ("code", "sex", "ethnicity", "boolean"):
            raise ValueError("'mapping' applies only to the code, sex, ethnicity and boolean types")
        return self


class RuleSpec(Spec):
    """A rule every row must meet: a boolean expression over the dataset's fields.

    ``check`` is a small SQL expression (comparisons, AND/OR/NOT, IS NULL, IN, arithmetic and
    the functions listed in ``docs/quality.md``). Fields of a referenced dataset are written
    ``reference_name.field``. A row where the expression is NULL (a field is missing) is not
    counted for the rule; completeness measures the missing field.
    """

    name: Name
    check: str = Field(min_length=1)
    description: str = ""
    dimension: Literal["consistency", "validity", "accuracy"] = "consistency"


class ReferenceSpec(Spec):
    """A referential rule: the values of ``fields`` must exist in ``dataset`` (``source.dataset``)."""

    name: Name
    fields: list[str] = Field(min_length=1)
    dataset: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
    to: list[str] | None = None
    description: str = ""

    @model_validator(mode="after")
    def _same_arity(self) -> ReferenceSpec:
        if self.to is not None and len(self.to) != len(self.fields):
            raise ValueError(f"'to' names {len(self.to)} fields but 'fields' names {len(self.fields)}")
        return self


class DatasetSpec(Spec):
    """One dataset of a source: a file (CSV, XLSX, Parquet, JSON) or a database table or query."""

    title: str = ""
    description: str = ""
    path: str | None = None
    format: FileFormat | None = None
    encoding: Encoding = "auto"
    delimiter: str = "auto"
    header_row: int | Literal["auto", "none"] = "auto"
    header_rows: int = Field(default=1, ge=1, le=10)
    columns: list[str] | None = None
    sheet: str | int | None = None
    url: str | None = None
    table: str | None = None
    query: str | None = None
    owner: str = ""
    freshness: Duration | None = None
    keys: list[str] | None = None
    fields: dict[Name, FieldSpec] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    references: list[ReferenceSpec] = Field(default_factory=list)
    asset_register: RegisterSpec = Field(default_factory=RegisterSpec, alias="register")

    @model_validator(mode="after")
    def _one_location(self) -> DatasetSpec:
        if self.format == "sql" or self.url is not None:
            if self.url is None:
                raise ValueError("a database dataset needs 'url' (a SQLAlchemy URL)")
            if (self.table is None) == (self.query is None):
                raise ValueError("a database dataset needs exactly one of 'table' or 'query'")
            if self.path is not None:
                raise ValueError("give either 'path' (a file) or 'url' (a database), not both")
        elif self.path is None:
            raise ValueError("a dataset needs 'path' (a file in the project) or 'url' (a database)")
        if isinstance(self.header_row, int) and self.header_row < 1:
            raise ValueError("header_row is a 1-based line number, 'auto' or 'none'")
        if self.delimiter != "auto" and len(self.delimiter) != 1:
            raise ValueError("delimiter must be one character or 'auto'")
        return self


class SourceSpec(Spec):
    """``sources/NAME.yml``: one line-of-business system and the datasets it exports."""

    name: Name
    title: str = ""
    system: str = ""
    owner: str = ""
    description: str = ""
    asset_register: RegisterSpec = Field(default_factory=RegisterSpec, alias="register")
    """Register entries every dataset of the source shares unless it says otherwise."""
    datasets: dict[Name, DatasetSpec] = Field(min_length=1)
