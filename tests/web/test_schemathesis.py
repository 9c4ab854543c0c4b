"""The JSON API fuzzed from its own OpenAPI schema (schemathesis): no input the schema allows, or nearly allows,
may cause a server error — as an administrator (every operation runs its view) and as nobody (every operation
is refused in the one error shape).

Bounded and repeatable: at most ``EXAMPLES`` cases per operation, derandomised, on a private copy of the council
(fuzzed POSTs add users and record decisions).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from tests.web.conftest import WebSite
from tests.web.routes_sample import prepare

EXAMPLES = 25

REFUSALS = {
    401: "sign_in_required",
    405: "method_not_allowed",  # another method than the operation's
    400: "bad_request",  # a body that cannot be parsed at all (FastAPI reads it before the guard runs)
}
"""What nobody may get back."""

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def fuzz_site(module_site: WebSite) -> WebSite:
    prepare(module_site.root, module_site.obs)
    return module_site


@pytest.fixture(scope="module")
def api_schema(fuzz_site: WebSite) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", fuzz_site.app)


schema = schemathesis.pytest.from_fixture("api_schema")
"""Every operation of the app's own schema."""


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_no_input_makes_a_server_error_for_an_administrator(case: Any, fuzz_site: WebSite) -> None:
    response = case.call(headers={"Authorization": f"Bearer {fuzz_site.users['admin'].token}"})
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code != 401, "the administrator's token was not accepted"


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_nobody_is_refused_everywhere_in_the_one_error_shape(case: Any) -> None:
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    error = response.json()["error"]
    assert REFUSALS.get(response.status_code) == error["code"] and error["status"] == response.status_code, error
    if response.status_code == 405:
        assert case.method.upper() != case.operation.method.upper(), "schemathesis tries other methods too"
