"""The demo's ``metrics/*.yml``: corporate priorities and 13 governed KPIs, and ``metrics:`` of observatory.yml.

=================================  ================  =========  ==========================================
KPI                                business area     unit       the data behind it
=================================  ================  =========  ==========================================
asc_new_requests                   adult care        count      asc.contacts (a rising trend from Oct 2024)
asc_requests_65_per_100k           adult care        rate       asc.contacts, population.estimates
asc_resolved_at_first_contact      adult care        percent    asc.contacts
asc_reviews_overdue                adult care        percent    asc.services, asc.reviews
csc_referrals                      children          count      csc.referrals (a shift in Sept 2024)
csc_repeat_referrals               children          percent    csc.referrals
csc_cp_per_10k                     children          rate       csc.plans (a shift from Jan 2025)
csc_cla_per_10k                    children          rate       csc.plans, population.estimates
ctax_in_month_collection           revenues          percent    ctax.payments
housing_ta_households              housing           count      housing.temporary_accommodation (rising)
housing_homelessness_approaches    housing           count      housing.homelessness
schools_absence_rate               education         percent    schools.attendance (better from Sept 2025)
schools_persistent_absence         education         percent    schools.attendance (quarterly)
=================================  ================  =========  ==========================================

Their true values, computed from the ground truth alone, are ``observatory.demo.kpi_truth.expected_totals``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from string import Template

from observatory.demo.events import history
from observatory.demo.kpis_care import ADULT_SOCIAL_CARE, CHILDRENS_SERVICES
from observatory.demo.kpis_council import EDUCATION, FINANCE, HOUSING, PRIORITIES

METRICS_DIR = "metrics"
TA_TARGET_PER_RESIDENT = 0.008
"""Households in temporary accommodation the 2022 plan aimed to stay under, per resident (40 at 5,000)..."""
TA_TARGET_PER_RESIDENT_2025 = 0.009
"""...and the 2025-26 plan, revised for the rising demand (45 at 5,000)."""


def metrics_settings(reference_date: date) -> dict[str, date]:
    """``metrics:`` of the demo's observatory.yml: KPIs up to the extract date, 48 months of history."""
    return {"as_of": reference_date, "start": history(reference_date).kpis_from}


def kpi_files(residents: int) -> dict[str, str]:
    """The text of every ``metrics/*.yml`` file, by file name, for a council of ``residents``."""
    housing = Template(HOUSING).substitute(
        ta_target=max(1, round(residents * TA_TARGET_PER_RESIDENT)),
        ta_target_2025=max(1, round(residents * TA_TARGET_PER_RESIDENT_2025)),
    )
    return {
        "priorities.yml": PRIORITIES,
        "adult_social_care.yml": ADULT_SOCIAL_CARE,
        "childrens_services.yml": CHILDRENS_SERVICES,
        "council_tax.yml": FINANCE,
        "housing.yml": housing,
        "education.yml": EDUCATION,
    }


def write_metrics_files(root: Path, residents: int) -> list[str]:
    """Write ``metrics/*.yml`` under ``root``; return their paths relative to it."""
    folder = root / METRICS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in kpi_files(residents).items():
        (folder / name).write_text(text, encoding="utf-8", newline="\n")
        written.append(f"{METRICS_DIR}/{name}")
    return written
