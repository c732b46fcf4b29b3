"""schemathesis against the server's own ``/openapi.json``, over real HTTP on loopback: whatever it
generates from the schema (and against it), no answer is a 5xx, none hangs, and every 4xx is in OpenAI's
error envelope."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.slow

EXAMPLES = 25
"""Generated requests per operation: enough to reach every field's edge cases (empty, huge, wrong
type) at a few seconds per operation on tiny.en."""
ANSWER_TIMEOUT_S = 120
"""No request may take longer (an upload that happens to decode is transcribed in well under this)."""


@pytest.fixture(scope="module")
def api_schema(tiny_server):
    loaded = schemathesis.openapi.from_url(f"{tiny_server.url}/openapi.json")
    # Requests that break the schema too (wrong types, missing file, bad enums): those must be 4xx.
    loaded.config.generation.update(modes=list(GenerationMode), deterministic=True)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


def test_the_schema_is_served_and_names_every_route(tiny_server):
    document = httpx.get(f"{tiny_server.url}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/health",
        "/v1/models",
        "/v1/audio/transcriptions",
        "/v1/audio/translations",
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_no_generated_request_gets_a_5xx_and_every_4xx_is_in_the_envelope(case, tiny_server):
    response = case.call(base_url=tiny_server.url, timeout=ANSWER_TIMEOUT_S)
    case.validate_response(response, checks=[not_a_server_error])
    if 400 <= response.status_code < 500:
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["message"], response.text
