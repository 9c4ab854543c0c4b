"""The Demo County Council: a synthetic council's source extracts, with the ground truth apart.

    from observatory.demo import generate, GeneratorConfig, FaultRates
    summary = generate(Path("demo"), residents=5000, seed=42)

``generate`` writes a complete project folder: ``observatory.yml``, ``sources/*.yml``, the extracts
under ``data/`` and the true identity of every record under ``ground_truth/``.

The population lives in households at properties of the council's gazetteer (LLPG), at real
postcodes with their ONS geography (shipped ONSPD extract, Aberdeen). People have names (Faker
en_GB pools, seeded, plus real accented and Scottish names), dates of birth, sex, ONS 2021
ethnicity, NHS numbers (shown only by adult and children's social care), NI numbers (adults;
council tax and housing) and UPNs (school census only). Households move; systems may still hold
the old address.

Source systems and their formats:

==========  ===========================================  ==========================================
source      files                                        formats
==========  ===========================================  ==========================================
asc         data/asc/{clients,services,reviews,          UTF-8 CSV; "SURNAME, Forename"; dd/mm/yyyy;
            contacts}                                    Male/Female; NHS 943 476 5919
csc         data/csc/{children,referrals,plans}          UTF-8 CSV; separate names; ISO dates; 1/2
ctax        data/ctax/{accounts,payments}.csv            Windows-1252 CSV, CRLF, 4-line title block;
                                                         "Mr John O’Brien"; 12-Mar-1984; £ amounts
housing     data/housing/housing_register.xlsx;          XLSX (sheets Applications, Tenancies); date
            homelessness_cases.csv,                      cells; M/F; NI AB 12 34 56 C; the CSV files
            temporary_accommodation.csv                  of homelessness casework use dd/mm/yyyy
schools     data/schools/{pupils,attendance}.csv         UTF-8 CSV; DfE census layout; UPN; M/F
llpg        data/llpg/properties.csv                     UTF-8 CSV; UPRN, USRN, BS7666 address, x/y
population  data/population/mid_year_estimates.csv       UTF-8 CSV; ONS ward codes; unrounded counts
==========  ===========================================  ==========================================

Events (requests for support, referrals and plans, council tax instalments, homelessness and temporary
accommodation, school attendance) run over at least 48 months to the extract date, with a designed
trend, shifts and seasons and one documented intensity factor (``observatory.demo.events``), so the 13
governed KPIs written to ``metrics/*.yml`` (``observatory.demo.metrics_files``) have history enough for
statistical process control and forecasts; ``observatory.demo.kpi_truth`` gives their true values.

Default fault rates (``FaultRates``; details and denominators in ``observatory.demo.faults``): name
typos 5% of name fields, nicknames or other forenames 5%, former surnames 3%, wrong dates of birth
3%, missing dates of birth 5% (where allowed), stale addresses 10% of people, duplicates 2%,
address variants 15%, one optional field missing 3%; and quality faults that the dataset contracts
in ``sources/*.yml`` catch: invalid NHS numbers 0.5%, invalid or partial postcodes 0.5%, orphan
references 0.3%, end dates before start dates 0.5%, client rows exported twice 0.2%, with their exact
counts in ``ground_truth/quality_faults.csv``.

Excel's limit of 1,048,576 rows per sheet: at a million residents the tenancies sheet has about
94,000 rows and the applications sheet about 35,000, so one sheet each is enough up to about ten
million residents. Beyond the limit (``GeneratorConfig.xlsx_max_rows``) a table continues on
further sheets, "Tenancies (2)" and so on, each declared in ``sources/housing.yml`` as its own
dataset (``tenancies_2``).

Generation runs in chunks of ``GeneratorConfig.chunk_residents`` residents, each with its own
seeded random streams, streamed to open files, so memory stays bounded whatever the size (about
140 MB per process), and chunks are built in worker processes with byte-identical output.
"""

from observatory.demo.config import FaultRates, GenerateSummary, GeneratorConfig
from observatory.demo.generator import generate

__all__ = ["FaultRates", "GenerateSummary", "GeneratorConfig", "generate"]
