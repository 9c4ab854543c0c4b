"""A small project whose faults are known exactly: every quality count can be asserted."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_project

CONTRACT = """\
name: people
title: People
owner: Head of Data
datasets:
  clients:
    path: data/clients.csv
    freshness: 7d
    keys: [client_id]
    fields:
      client_id: {column: Client ID, critical: true}
      date_of_birth: {column: DOB, type: date_of_birth, formats: ["%d/%m/%Y"], critical: true}
      nhs_number: {column: NHS, type: nhs_number}
      postcode: {column: Postcode, type: postcode, critical: true}
      status: {column: Status, allowed: [Open, Closed]}
  services:
    path: data/services.csv
    owner: Head of Commissioning
    keys: [service_id]
    fields:
      service_id: {column: Service ID, critical: true}
      client_id: {column: Client ID}
      start_date: {column: Start, type: date, formats: ["%d/%m/%Y"]}
      end_date: {column: End, type: date, formats: ["%d/%m/%Y"]}
      weekly_cost: {column: Weekly Cost, type: money}
    rules:
      - name: end_not_before_start
        check: end_date >= start_date
      - name: adult_at_start
        check: age(client.date_of_birth, start_date) >= 18
        description: services are for adults
    references:
      - name: client
        fields: [client_id]
        dataset: people.clients
"""

# NHS numbers with a correct modulus-11 check digit: 9434765919, 9434765870, 4010232137; 9434765918 is wrong.
CLIENTS = """\
Client ID,DOB,NHS,Postcode,Status
C1,01/01/1950,943 476 5919,AB10 1AB,Open
C2,,9434765870,AB10 1AF,Closed
C3,31/02/1980,4010232137,ab101ab,Open
C4,01/01/2090,9434765918,AB10 1AB,Pending
C5,15/06/1970,,AB10 9ZZ,Open
C6,15/06/2010,9434765919,M41,Open
C6,15/06/2010,9434765919,AB10 1AB,Open
C8,01/01/1960,9434765870,Aberdeen,
"""

SERVICES = """\
Service ID,Client ID,Start,End,Weekly Cost
S1,C1,01/01/2020,01/02/2020,£100.00
S2,C1,01/03/2020,01/02/2020,50
S3,C9,01/01/2020,,£10
S4,C6,01/01/2020,,
S5,C2,01/01/2021,,"£1,234.50"
S6,,01/01/2021,,1.2k
"""


def faulty_project(root: Path, engine: str = "duckdb") -> Path:
    """The project above, on ``engine``."""
    make_project(root, {"people": CONTRACT}, extra=f"engine: {engine}\n")
    (root / "data").mkdir()
    (root / "data" / "clients.csv").write_text(CLIENTS, encoding="utf-8")
    (root / "data" / "services.csv").write_text(SERVICES, encoding="utf-8")
    return root
