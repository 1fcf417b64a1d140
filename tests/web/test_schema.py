"""schemathesis against the OpenAPI document: generated requests for every operation, as a force
investigator and as the national coordinator (who reaches every record); no answer is a server
error and every answer matches the schema (status code declared, content type, body). Driven
from one test through schemathesis's Python API (its pytest plugin does not run under this
pytest)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from footprint.geo.forces import COORDINATOR_CODE
from footprint.security.actor import Actor
from footprint.security.credentials import issue_token
from footprint.security.roles import Role
from tests.operations.cases_setup import MET
from tests.web.site import Site, username

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 30  # per operation and caller


@pytest.mark.parametrize(
    ("organisation", "role"), [(MET, Role.INVESTIGATOR), (COORDINATOR_CODE, Role.COORDINATOR)]
)
def test_the_api_answers_every_request_by_its_schema(
    site: Site, organisation: str, role: Role
) -> None:
    with site.db.unit_of_work() as session:
        _, token = issue_token(session, Actor.system(), username(organisation, role), "fuzz")
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", site.app)
    labels = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the document itself is valid
        operation = result.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def conforms(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        conforms()
    assert len(labels) == 59, labels  # every operation was exercised
