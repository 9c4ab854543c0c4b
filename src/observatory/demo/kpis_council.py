"""The demo's corporate priorities and its KPIs for housing, council tax and schools (``metrics/*.yml`` text).

Targets of count KPIs depend on the size of the generated council, so the housing file is a template:
``$ta_target`` and ``$ta_target_2025`` are filled in for the number of residents.
"""

from __future__ import annotations

PRIORITIES = """\
# Demo County Council's corporate priorities (Council Plan 2022-2026). Every KPI sits under one of them,
# directly or through a headline KPI.

priorities:
  independent_lives:
    title: Older and disabled people live independently, with the right support at the right time
    owner: Director of Adult Social Services
  safe_children:
    title: Children are safe and grow up in stable, loving families
    owner: Director of Children's Services
  good_education:
    title: Every child gets a good education and attends school regularly
    owner: Director of Education
  homes:
    title: Everyone has a safe, secure and affordable home
    owner: Director of Housing
  well_run_council:
    title: A well-run council that lives within its means
    owner: Chief Finance Officer (section 151 officer)
"""

HOUSING = """\
# Housing KPIs of Demo County Council, from the homelessness case management system's exports.
# A household's placements in temporary accommodation all carry its Case Ref; a household that moves between
# placements during a month is counted once.

kpis:
  housing_ta_households:
    title: Households in temporary accommodation
    definition: >-
      The number of homeless households (by Case Ref) placed in temporary accommodation on the last day of
      the month: a placement that started on or before that day and had not ended by it. A placement whose
      end date was keyed before its start date is never counted as open.
    owner: Temporary Accommodation Manager
    business_area: Housing
    unit: count
    polarity: lower_is_better
    decimals: 0
    numerator:
      dataset: housing.temporary_accommodation
      count: case_ref
      start: start_date
      end: end_date
    breakdowns:
      accommodation_type: {title: Type of accommodation}
      household_type: {title: Household type}
    targets:
      - {from: 2022-04-01, value: $ta_target}
      - {from: 2025-04-01, value: $ta_target_2025}
    depends_on:
      housing.temporary_accommodation: [case_ref, start_date, end_date]
    parent: homes
    forecast:
      horizon: 12
      scenarios:
        more_placements:
          title: Placements 10% above the forecast (fewer private lets to move on to)
          change: 0.10
          effect: numerator
        prevention_works:
          title: Placements 10% below the forecast (more homelessness prevented)
          change: -0.10
          effect: numerator

  housing_homelessness_approaches:
    title: Households approaching the council as homeless or threatened with homelessness
    definition: >-
      The number of households (by Case Ref) whose homelessness case was opened in the month because they
      approached the council as homeless or threatened with homelessness within 56 days. Each case is
      counted once, however often its row was exported.
    owner: Housing Options Manager
    business_area: Housing
    unit: count
    polarity: neutral
    decimals: 0
    numerator:
      dataset: housing.homelessness
      count: case_ref
      date: approach_date
    breakdowns:
      reason: {title: Main reason for loss of last settled home}
      household_type: {title: Household type}
      duty: {title: Duty owed}
    depends_on:
      housing.homelessness: [case_ref, approach_date]
    parent: housing_ta_households
    forecast:
      horizon: 12
      scenarios:
        approaches_up:
          title: Approaches up 10% (rents rise faster than incomes)
          change: 0.10
          effect: numerator
"""

FINANCE = """\
# Council tax KPI of Demo County Council, from the revenues system's instalment report (12 monthly
# instalments, April to March; receipts in the month of each instalment, catch-up of the year's arrears
# included, so March is usually above the other months).

kpis:
  ctax_in_month_collection:
    title: Council tax collected in the month
    definition: >-
      Council tax received in the month against this year's charge (instalments paid and this year's
      arrears caught up) as a percentage of the instalments falling due in the month, over every live
      account.
    owner: Council Tax Manager
    business_area: Revenues and benefits
    unit: percent
    polarity: higher_is_better
    numerator:
      sql: |
        SELECT p.due_date, p.amount_received, a.band
        FROM ctax.payments p
        LEFT JOIN (SELECT DISTINCT account_ref, band FROM ctax.accounts) a ON a.account_ref = p.account_ref
      sum: amount_received
      date: due_date
    denominator:
      sql: |
        SELECT p.due_date, p.amount_due, a.band
        FROM ctax.payments p
        LEFT JOIN (SELECT DISTINCT account_ref, band FROM ctax.accounts) a ON a.account_ref = p.account_ref
      sum: amount_due
      date: due_date
    breakdowns:
      band: {title: Council tax band}
    targets:
      - {from: 2022-04-01, value: 96.5}
      - {from: 2025-04-01, value: 97.0}
    depends_on:
      ctax.payments: [account_ref, due_date, amount_due, amount_received]
      ctax.accounts: [account_ref, band]
    parent: well_run_council
"""

EDUCATION = """\
# School attendance KPIs of Demo County Council, from the monthly attendance returns of its schools.
# As in the DfE's absence statistics, pupils in years 1 to 11 count (reception is left out). A few rows are
# exported twice, so repeated rows are dropped before sessions are added up. August has no sessions.

kpis:
  schools_absence_rate:
    title: Overall absence rate
    definition: >-
      Sessions missed (authorised and unauthorised) by pupils in years 1 to 11 at the council's schools in
      the month, as a percentage of the sessions they could have attended.
    owner: Education Welfare Manager
    business_area: Education
    unit: percent
    polarity: lower_is_better
    numerator:
      sql: |
        SELECT upn, period_start, nc_year, possible_sessions,
               authorised_absence + unauthorised_absence AS missed_sessions,
               CASE WHEN nc_year IN ('1', '2', '3', '4', '5', '6') THEN 'Primary (years 1 to 6)'
                    ELSE 'Secondary (years 7 to 11)' END AS phase
        FROM schools.attendance
        WHERE nc_year <> 'R'
      distinct: true
      sum: missed_sessions
      date: period_start
    denominator:
      sql: |
        SELECT upn, period_start, nc_year, possible_sessions,
               authorised_absence + unauthorised_absence AS missed_sessions,
               CASE WHEN nc_year IN ('1', '2', '3', '4', '5', '6') THEN 'Primary (years 1 to 6)'
                    ELSE 'Secondary (years 7 to 11)' END AS phase
        FROM schools.attendance
        WHERE nc_year <> 'R'
      distinct: true
      sum: possible_sessions
      date: period_start
    breakdowns:
      phase: {title: Phase}
    targets:
      - {from: 2022-04-01, value: 7.0}
      - {from: 2025-09-01, value: 6.0}
    depends_on:
      schools.attendance: [upn, period_start, nc_year, possible_sessions, authorised_absence, unauthorised_absence]
    parent: good_education
    forecast:
      # August has no sessions, so the series has a gap every summer; the quarterly persistent absence KPI
      # below is forecast instead.
      enabled: false

  schools_persistent_absence:
    title: Pupils persistently absent in the quarter
    definition: >-
      Of the pupils in years 1 to 11 with any possible sessions in the calendar quarter, the percentage who
      missed 10% or more of them (authorised or unauthorised), as the DfE defines persistent absence.
    owner: Education Welfare Manager
    business_area: Education
    unit: percent
    polarity: lower_is_better
    frequency: quarterly
    numerator:
      sql: |
        WITH months AS (
          SELECT DISTINCT upn, period_start, possible_sessions,
                 authorised_absence + unauthorised_absence AS missed_sessions,
                 make_date(CAST(EXTRACT(YEAR FROM period_start) AS INTEGER),
                           CAST(3 * FLOOR((EXTRACT(MONTH FROM period_start) - 1) / 3) + 1 AS INTEGER), 1)
                   AS quarter_start
          FROM schools.attendance
          WHERE nc_year <> 'R'
        )
        SELECT upn, quarter_start
        FROM months
        GROUP BY upn, quarter_start
        HAVING SUM(possible_sessions) > 0 AND SUM(missed_sessions) * 10 >= SUM(possible_sessions)
      count: upn
      date: quarter_start
    denominator:
      sql: |
        WITH months AS (
          SELECT DISTINCT upn, period_start, possible_sessions,
                 make_date(CAST(EXTRACT(YEAR FROM period_start) AS INTEGER),
                           CAST(3 * FLOOR((EXTRACT(MONTH FROM period_start) - 1) / 3) + 1 AS INTEGER), 1)
                   AS quarter_start
          FROM schools.attendance
          WHERE nc_year <> 'R'
        )
        SELECT upn, quarter_start
        FROM months
        GROUP BY upn, quarter_start
        HAVING SUM(possible_sessions) > 0
      count: upn
      date: quarter_start
    targets:
      - {from: 2022-04-01, value: 22}
      - {from: 2025-10-01, value: 18}
    depends_on:
      schools.attendance: [upn, period_start, nc_year, possible_sessions, authorised_absence, unauthorised_absence]
    parent: schools_absence_rate
    forecast:
      horizon: 4
"""
