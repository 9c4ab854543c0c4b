"""Every standard field type gives the same values, statuses and extras on Spark as in Python.

Spark runs with ANSI mode (a failed cast is an error) and Java regular expressions, so this is
where non-portable expressions show up. Each type is evaluated on its tricky values
(``examples.py``) in one query; types whose module is not written yet are skipped.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from observatory.config.models import FieldSpec
from observatory.standards.types import TYPE_CLASSES, field_type, type_class
from tests.standards.conftest import differences
from tests.standards.examples import CONFIGURED, examples_for

pytestmark = pytest.mark.spark


def module_exists(type_name: str) -> bool:
    """Whether the module implementing ``type_name`` has been written."""
    module = TYPE_CLASSES[type_name].partition(":")[0]
    return importlib.util.find_spec(f"observatory.standards.types.{module}") is not None


@pytest.mark.parametrize("type_name", sorted(TYPE_CLASSES))
def test_type_agrees_on_spark(type_name: str, spark_con: Any) -> None:
    if not module_exists(type_name):
        pytest.skip(f"the {type_name} type is not written yet")
    ftype = type_class(type_name)()
    assert differences(ftype, examples_for(type_name), spark_con) == []


@pytest.mark.parametrize("spec", CONFIGURED, ids=lambda spec: f"{spec.type}-configured")
def test_configured_type_agrees_on_spark(spec: FieldSpec, spark_con: Any) -> None:
    ftype = field_type(spec)
    values = [*examples_for(spec.type), *(spec.mapping or {}), *(spec.allowed or [])]
    assert differences(ftype, values, spark_con) == []
