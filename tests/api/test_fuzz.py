"""Schemathesis fuzzes every operation of the OpenAPI document — /api/v1/ and /open311/v2/ — against
a live server: no server error, and every answer (status, content type, headers, body) as the
document says. The run's own summary (operations and test cases) is printed.

It runs the PyPI `schemathesis` command against pytest-django's live server, with a national key of
every scope, over a small world: a unit with a service (stages, a required document), requests at
each step, and a case."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from apps.orgs import roles
from tests.factories import (
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    answered_request,
    api_key,
    registered_case,
    registered_request,
    staff_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance",
])
# The fuzzing phase draws this many cases per operation, positive and negative; with the examples of
# the document that is about 1,000 cases over the 31 operations in about a minute. (The "coverage"
# phase, every boundary value of every parameter, took two to three minutes of CI for little more.)
EXAMPLES_PER_OPERATION = 30


def _world():
    unit = OrgUnitFactory()
    officer = staff_user(roles.UNIT_OFFICER, unit=unit)
    service = SubServiceFactory(body=unit.body, channel="electronic", non_electronic_reason="",
                                eservice_url="https://example.org/e")
    service.units.add(unit)
    for n in (1, 2):
        WorkflowStageFactory(service=service, order=n, responsible_unit=unit)
    RequiredDocumentFactory(service=service, upload_required=False)
    registered_request(unit=unit, service=service)
    answered_request(unit=unit, service=service, deliver=False)
    registered_case(unit=unit)
    _key, raw = api_key(scopes="all", national=True, staff=officer)
    return raw


def test_the_api_and_open311_answer_as_their_schema_says(live_server, settings, tmp_path):
    settings.RATELIMIT_ENABLE = False
    raw = _world()
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{live_server.url}/api/schema/?format=json",
        "--url", live_server.url, "--checks", CHECKS, "--max-examples", str(EXAMPLES_PER_OPERATION),
        "--seed", "1405", "--workers", "1", "--no-shrink", "--generation-database", "none",
        "--request-timeout", "30", "--no-color", "--header", f"Authorization: Api-Key {raw}",
        "--phases", "examples,fuzzing",
        "--report", "junit", "--report-dir", str(tmp_path),
    ]
    # Its caches (.schemathesis, .hypothesis) are written where it runs: in the test's folder.
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
    out = run.stdout + run.stderr
    summary = out[out.rfind("=" * 20 + " SUMMARY") :] if "SUMMARY" in out else out[-4000:]
    print(summary)
    assert run.returncode == 0, out[-15000:]
    tested = re.search(r"Tested: (\d+)", out)
    cases = re.search(r"(\d+) generated, (\d+) passed", out)
    assert tested, summary
    assert cases, summary
    print(f"schemathesis: {tested.group(1)} operations, {cases.group(1)} test cases, {cases.group(2)} passed")
    # Every operation of the document was exercised: /api/v1/ and both formats of Open311.
    assert int(tested.group(1)) >= 31
    assert cases.group(1) == cases.group(2)
