"""The demo's KPI definitions for adult social care and children's social care (``metrics/*.yml`` text).

Each is written as a council's performance team would write it: a plain-English definition for everyone who
reads the number, the SQL or dataset that counts it, how faults in the data are handled (rows exported twice
are counted once by counting distinct ids), targets with the date they take effect, breakdowns, the fields it
cannot do without, and what-if scenarios on the demand KPIs.
"""

from __future__ import annotations

ADULT_SOCIAL_CARE = """\
# Adult social care KPIs of Demo County Council.
# Requests for support come from asc.contacts (one row per request; a few rows are exported twice, so
# requests are counted by distinct Contact ID). Rates per 100,000 use the mid-year population estimates:
# the estimate for year Y applies from 1 July Y to 30 June Y+1, the latest one from its 1 July onwards.

kpis:
  asc_new_requests:
    title: New requests for adult social care support
    definition: >-
      The number of requests for support received by the adult social care front door in the month, from
      anyone aged 18 or over, whether or not they are already known to adult social care. Each request is
      counted once, by its Contact ID, on the day it was received.
    owner: Head of Adult Social Care Operations
    business_area: Adult social care
    unit: count
    polarity: neutral
    decimals: 0
    numerator:
      sql: |
        SELECT contact_id, contact_date, locality, age_band, contact_source, postcode__ward AS ward
        FROM asc.contacts
      count: contact_id
      date: contact_date
    breakdowns:
      locality: {title: Locality}
      ward: {title: Ward}
      age_band: {title: Age band}
      contact_source: {title: Route of access}
    depends_on:
      asc.contacts: [contact_id, contact_date, age_band]
    parent: independent_lives
    forecast:
      horizon: 12
      scenarios:
        older_population:
          title: Requests from people aged 65 and over grow 5% faster (a faster-ageing population)
          change: 0.05
          effect: numerator
        hard_winter:
          title: Demand 10% above the forecast (a hard winter, hospital discharge pressure)
          change: 0.10
          effect: numerator

  asc_requests_65_per_100k:
    title: Requests for support from people aged 65 and over, per 100,000 people aged 65 and over
    definition: >-
      Requests for adult social care support received in the month from people aged 65 or over on the day
      (counted once each by Contact ID), per 100,000 residents aged 65 or over in the latest mid-year
      population estimate for the month.
    owner: Head of Adult Social Care Operations
    business_area: Adult social care
    unit: rate
    scale: 100000
    polarity: neutral
    decimals: 0
    numerator:
      sql: |
        SELECT contact_id, contact_date, age_band, postcode__ward AS ward
        FROM asc.contacts
        WHERE age_band IN ('65-74', '75-84', '85+')
      count: contact_id
      date: contact_date
    denominator:
      sql: |
        SELECT population, age_band, ward_code AS ward,
               make_date(CAST(year AS INTEGER), 7, 1) AS applies_from,
               CASE WHEN year = (SELECT MAX(year) FROM population.estimates) THEN NULL
                    ELSE make_date(CAST(year AS INTEGER) + 1, 7, 1) END AS applies_until
        FROM population.estimates
        WHERE age_band IN ('65-74', '75-84', '85+')
      sum: population
      start: applies_from
      end: applies_until
    breakdowns:
      age_band: {title: Age band}
      ward: {title: Ward}
    depends_on:
      asc.contacts: [contact_id, contact_date, age_band]
      population.estimates: [year, age_band, population]
    parent: asc_new_requests
    forecast:
      horizon: 12
      scenarios:
        older_population:
          title: Population aged 65 and over grows 5% faster than projected (same number of requests)
          change: 0.05
          effect: denominator

  asc_resolved_at_first_contact:
    title: Requests resolved at first contact
    definition: >-
      The percentage of requests for support received in the month that were resolved at the front door
      with information and advice or by signposting to other services, without an assessment or services.
      Each request is counted once, by Contact ID.
    owner: Adult Social Care Front Door Manager
    business_area: Adult social care
    unit: percent
    polarity: higher_is_better
    numerator:
      dataset: asc.contacts
      where: outcome IN ('Information and advice', 'Signposted to other services')
      count: contact_id
      date: contact_date
    denominator:
      dataset: asc.contacts
      count: contact_id
      date: contact_date
    breakdowns:
      locality: {title: Locality}
      contact_source: {title: Route of access}
    targets:
      - {from: 2022-04-01, value: 40}
      - {from: 2025-04-01, value: 45}
    depends_on:
      asc.contacts: [contact_id, contact_date, outcome]
    parent: asc_new_requests

  asc_reviews_overdue:
    title: Long-term clients without a review in the last 12 months
    definition: >-
      Of the people who at the end of the month had received long-term support (home care, a care home,
      day care, a direct payment or supported living) for 12 months or more, the percentage who had no
      review of their care and support in the 365 days up to that day. People are counted by Person ID.
    owner: Principal Social Worker (Adults)
    business_area: Adult social care
    unit: percent
    polarity: lower_is_better
    numerator:
      sql: |
        WITH long_term AS (
          SELECT DISTINCT person_id, CAST(start_date + INTERVAL 365 DAY AS DATE) AS eligible_from,
                 end_date AS eligible_until
          FROM asc.services
          WHERE service_type IN ('Home Care', 'Residential Care', 'Nursing Care', 'Day Care',
                                 'Direct Payment', 'Supported Living')
            AND person_id IS NOT NULL AND start_date IS NOT NULL
        ),
        reviewed AS (
          SELECT DISTINCT person_id, review_date
          FROM asc.reviews
          WHERE person_id IS NOT NULL AND review_date IS NOT NULL
        ),
        unreviewed AS (
          -- spells with no review in the previous 365 days: before the first review, from 365 days after
          -- each review until the next, and always for clients never reviewed
          SELECT person_id, CAST(NULL AS DATE) AS gap_from, MIN(review_date) AS gap_until
          FROM reviewed GROUP BY person_id
          UNION ALL
          SELECT person_id, CAST(review_date + INTERVAL 365 DAY AS DATE) AS gap_from,
                 LEAD(review_date) OVER (PARTITION BY person_id ORDER BY review_date) AS gap_until
          FROM reviewed
          UNION ALL
          SELECT DISTINCT person_id, CAST(NULL AS DATE) AS gap_from, CAST(NULL AS DATE) AS gap_until
          FROM long_term l
          WHERE NOT EXISTS (SELECT 1 FROM reviewed r WHERE r.person_id = l.person_id)
        )
        SELECT l.person_id,
               CASE WHEN u.gap_from IS NULL OR u.gap_from < l.eligible_from THEN l.eligible_from
                    ELSE u.gap_from END AS overdue_from,
               CASE WHEN u.gap_until IS NULL THEN l.eligible_until
                    WHEN l.eligible_until IS NULL OR u.gap_until < l.eligible_until THEN u.gap_until
                    ELSE l.eligible_until END AS overdue_until
        FROM long_term l
        JOIN unreviewed u ON u.person_id = l.person_id
      count: person_id
      start: overdue_from
      end: overdue_until
    denominator:
      sql: |
        SELECT DISTINCT person_id, CAST(start_date + INTERVAL 365 DAY AS DATE) AS eligible_from,
               end_date AS eligible_until
        FROM asc.services
        WHERE service_type IN ('Home Care', 'Residential Care', 'Nursing Care', 'Day Care',
                               'Direct Payment', 'Supported Living')
          AND person_id IS NOT NULL AND start_date IS NOT NULL
      count: person_id
      start: eligible_from
      end: eligible_until
    targets:
      - {from: 2022-04-01, value: 30}
      - {from: 2025-04-01, value: 20}
    depends_on:
      asc.services: [person_id, service_type, start_date, end_date]
      asc.reviews: [person_id, review_date]
    parent: independent_lives
"""

CHILDRENS_SERVICES = """\
# Children's social care KPIs of Demo County Council.
# Referrals come from csc.referrals (a few rows are exported twice: referrals are counted by distinct
# ReferralID); plans from csc.plans, open at the month end when they started on or before its last day and
# had not ended by then. Rates per 10,000 children use the mid-year estimates of residents aged 0 to 17.

kpis:
  csc_referrals:
    title: Referrals to children's social care
    definition: >-
      The number of referrals to children's social care received in the month (a request for services for
      a child, as the CIN census counts them), each counted once by ReferralID on its referral date.
    owner: Children's Front Door Service Manager
    business_area: Children's social care
    unit: count
    polarity: neutral
    decimals: 0
    numerator:
      sql: |
        SELECT referral_id, referral_date, referral_source, ward,
               CASE WHEN age IS NULL OR age > 17 THEN NULL
                    WHEN age < 1 THEN 'Under 1'
                    WHEN age < 5 THEN '1-4'
                    WHEN age < 10 THEN '5-9'
                    WHEN age < 16 THEN '10-15'
                    ELSE '16-17' END AS age_group
        FROM (
          SELECT r.referral_id, r.referral_date, r.referral_source, c.postcode__ward AS ward,
                 EXTRACT(YEAR FROM r.referral_date) - EXTRACT(YEAR FROM c.date_of_birth)
                   - CASE WHEN EXTRACT(MONTH FROM r.referral_date) * 100 + EXTRACT(DAY FROM r.referral_date)
                               < EXTRACT(MONTH FROM c.date_of_birth) * 100 + EXTRACT(DAY FROM c.date_of_birth)
                          THEN 1 ELSE 0 END AS age
          FROM csc.referrals r
          LEFT JOIN csc.children c ON c.child_id = r.child_id
        ) AS referred
      count: referral_id
      date: referral_date
    breakdowns:
      referral_source: {title: Source of referral}
      age_group: {title: Age at referral}
      ward: {title: Ward}
    depends_on:
      csc.referrals: [referral_id, child_id, referral_date]
      csc.children: [child_id, date_of_birth]
    parent: safe_children
    spc:
      # The new front door (September 2024) changed what is recorded as a referral: contacts that were
      # screened out are now referrals. The change is known and permanent, so the limits start again there.
      rebase: [2024-09-01]
    forecast:
      horizon: 12
      scenarios:
        referral_rate_up:
          title: Referral rate up 10%
          change: 0.10
          effect: numerator

  csc_repeat_referrals:
    title: Repeat referrals within 12 months
    definition: >-
      The percentage of referrals received in the month for a child (by ChildID) who had another referral
      in the 365 days before it. Each referral is counted once by ReferralID, so a referral exported twice is
      neither counted twice nor taken as its own earlier referral.
    owner: Children's Front Door Service Manager
    business_area: Children's social care
    unit: percent
    polarity: lower_is_better
    numerator:
      sql: |
        SELECT DISTINCT r.referral_id, r.referral_date, r.referral_source
        FROM csc.referrals r
        JOIN csc.referrals p
          ON p.child_id = r.child_id
         AND p.referral_date < r.referral_date
         AND p.referral_date >= r.referral_date - INTERVAL 365 DAY
      count: referral_id
      date: referral_date
    denominator:
      dataset: csc.referrals
      count: referral_id
      date: referral_date
    breakdowns:
      referral_source: {title: Source of referral}
    targets:
      - {from: 2022-04-01, value: 22}
      - {from: 2025-04-01, value: 20}
    depends_on:
      csc.referrals: [referral_id, child_id, referral_date]
    parent: csc_referrals

  csc_cp_per_10k:
    title: Children on child protection plans per 10,000 children
    definition: >-
      Children (by ChildID) with a child protection plan open on the last day of the month, per 10,000
      residents aged 0 to 17 in the latest mid-year population estimate for the month.
    owner: Head of Safeguarding and Quality Assurance
    business_area: Children's social care
    unit: rate
    scale: 10000
    polarity: neutral
    numerator:
      sql: |
        SELECT p.child_id, p.start_date, p.end_date, c.postcode__ward AS ward
        FROM csc.plans p
        LEFT JOIN csc.children c ON c.child_id = p.child_id
        WHERE p.plan_type = 'Child Protection Plan'
      count: child_id
      start: start_date
      end: end_date
    denominator:
      sql: |
        SELECT population, ward_code AS ward,
               make_date(CAST(year AS INTEGER), 7, 1) AS applies_from,
               CASE WHEN year = (SELECT MAX(year) FROM population.estimates) THEN NULL
                    ELSE make_date(CAST(year AS INTEGER) + 1, 7, 1) END AS applies_until
        FROM population.estimates
        WHERE age_band IN ('0-4', '5-10', '11-15', '16-17')
      sum: population
      start: applies_from
      end: applies_until
    breakdowns:
      ward: {title: Ward}
    depends_on:
      csc.plans: [child_id, plan_type, start_date, end_date]
      csc.children: [child_id]
      population.estimates: [year, age_band, population]
    parent: safe_children

  csc_cla_per_10k:
    title: Children looked after per 10,000 children
    definition: >-
      Children (by ChildID) looked after by the council on the last day of the month, per 10,000 residents
      aged 0 to 17 in the latest mid-year population estimate for the month.
    owner: Head of Children in Care
    business_area: Children's social care
    unit: rate
    scale: 10000
    # The council plan aims to safely reduce the number of children in care (more support to families).
    polarity: lower_is_better
    numerator:
      sql: |
        SELECT p.child_id, p.start_date, p.end_date, c.postcode__ward AS ward
        FROM csc.plans p
        LEFT JOIN csc.children c ON c.child_id = p.child_id
        WHERE p.plan_type = 'Looked After'
      count: child_id
      start: start_date
      end: end_date
    denominator:
      sql: |
        SELECT population, ward_code AS ward,
               make_date(CAST(year AS INTEGER), 7, 1) AS applies_from,
               CASE WHEN year = (SELECT MAX(year) FROM population.estimates) THEN NULL
                    ELSE make_date(CAST(year AS INTEGER) + 1, 7, 1) END AS applies_until
        FROM population.estimates
        WHERE age_band IN ('0-4', '5-10', '11-15', '16-17')
      sum: population
      start: applies_from
      end: applies_until
    breakdowns:
      ward: {title: Ward}
    targets:
      - {from: 2022-04-01, value: 280}
      - {from: 2025-04-01, value: 250}
    depends_on:
      csc.plans: [child_id, plan_type, start_date, end_date]
      csc.children: [child_id]
      population.estimates: [year, age_band, population]
    parent: safe_children
"""
