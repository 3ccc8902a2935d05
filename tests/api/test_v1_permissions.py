"""Who may call what on /api/v1/: every operation of the router against keys of two provinces, one key
per scope, no key and a revoked key. A row outside a key's scope is a 404 (or absent from a list),
never a 403; a missing scope is a 403; no valid key is a 401."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.api.models import Scope
from apps.api.v1.urls import router
from apps.cases.models import Case
from apps.desk.models import ServiceRequest
from apps.reports.models import Report
from tests.factories import (
    OrgUnitFactory,
    StaffFactory,
    SubServiceFactory,
    UserFactory,
    WorkflowStageFactory,
    api_key,
    registered_case,
    registered_request,
    report_answers_at,
)

pytestmark = pytest.mark.django_db

# Every operation of /api/v1/ and the scope it needs. A new endpoint fails
# test_the_operations_are_those_of_the_router until it is added here, and so gets the whole matrix.
OPERATIONS = [
    ("api-service-list", "GET", Scope.CATALOG_READ),
    ("api-service-detail", "GET", Scope.CATALOG_READ),
    ("api-request-list", "GET", Scope.REQUESTS_READ),
    ("api-request-list", "POST", Scope.REQUESTS_FILE),
    ("api-request-detail", "GET", Scope.REQUESTS_READ),
    ("api-request-complete", "POST", Scope.STAGES_ACT),
    ("api-request-return", "POST", Scope.STAGES_ACT),
    ("api-request-hold", "POST", Scope.STAGES_ACT),
    ("api-request-resume", "POST", Scope.STAGES_ACT),
    ("api-case-list", "GET", Scope.CASES_READ),
    ("api-case-list", "POST", Scope.CASES_ACT),
    ("api-case-detail", "GET", Scope.CASES_READ),
    ("api-case-refer", "POST", Scope.CASES_ACT),
    ("api-case-respond", "POST", Scope.CASES_ACT),
    ("api-satisfaction-list", "GET", Scope.REPORTS_READ),
    ("api-report-list", "GET", Scope.REPORTS_READ),
    ("api-report-detail", "GET", Scope.REPORTS_READ),
]
OPERATION_IDS = [f"{method} {name}" for name, method, _scope in OPERATIONS]


def router_operations() -> list[tuple[str, str, str]]:
    """(URL name, method, scope the view requires) for every route of the router but its root."""
    found = []
    for pattern in router.urls:
        actions = getattr(pattern.callback, "actions", None)
        if not actions:
            continue
        view = pattern.callback.cls
        for method, action in actions.items():
            if method == "head":  # DRF adds it beside GET once a view has been called: the same operation
                continue
            scopes = view.required_scopes
            found.append((pattern.name, method.upper(), scopes.get(action) or scopes.get("*")))
    return found


def call(raw: str | None) -> APIClient:
    client = APIClient()
    if raw:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


class World:
    """Province A and province B: a unit (of its own body) each, with an officer, a service, a request,
    a case, a compiled report of the province and a survey answered; keys of each province with every
    scope, and one key per scope in province A."""

    def __init__(self):
        self.side = {}
        for name in ("a", "b"):
            unit = OrgUnitFactory()
            officer = StaffFactory(unit=unit, user=UserFactory())
            service = SubServiceFactory(body=unit.body, channel="electronic", non_electronic_reason="")
            WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
            WorkflowStageFactory(service=service, order=2, responsible_unit=unit)
            request = registered_request(service=service, unit=unit, clerk=officer)
            report_answers_at(request, at=request.received_at)
            self.side[name] = {
                "unit": unit, "officer": officer, "service": service, "request": request,
                "case": registered_case(unit=unit, clerk=officer),
                "report": Report.objects.create(kind="quarterly_province", period="1405-Q2", status="done",
                                                province=unit.province, figures={"n": 1}),
                "key": api_key(scopes="all", unit=unit, staff=officer),
            }
        unit, officer = self.side["a"]["unit"], self.side["a"]["officer"]
        self.per_scope = {scope: api_key(scopes=(scope,), unit=unit, staff=officer)[1] for scope in Scope.values}

    def url(self, name: str, side: str = "a") -> str:
        objects = self.side[side]
        lookups = {
            "api-service": {"pk": objects["service"].pk},
            "api-request": {"tracking_code": objects["request"].tracking_code},
            "api-case": {"tracking_code": objects["case"].tracking_code},
            "api-report": {"pk": objects["report"].pk},
        }
        if name.endswith("-list"):
            return reverse(name)
        basename = name.rsplit("-", 1)[0]
        return reverse(name, kwargs=lookups[basename])


@pytest.fixture
def world():
    return World()


def _send(client: APIClient, method: str, url: str):
    return client.generic(method, url, "{}", content_type="application/json")


def test_the_operations_are_those_of_the_router():
    assert sorted(router_operations()) == sorted(OPERATIONS)


@pytest.mark.parametrize(("name", "method", "scope"), OPERATIONS, ids=OPERATION_IDS)
def test_no_key_and_a_revoked_key_are_401(world, name, method, scope):
    key, raw = world.side["a"]["key"]
    url = world.url(name)
    assert _send(call(None), method, url).status_code == 401
    assert _send(call("sdk_00000000_not-a-key"), method, url).status_code == 401
    key.revoke()
    response = _send(call(raw), method, url)
    assert response.status_code == 401
    assert set(response.json()) >= {"detail", "code"}


@pytest.mark.parametrize(("name", "method", "scope"), OPERATIONS, ids=OPERATION_IDS)
def test_each_operation_needs_its_scope_and_no_other(world, name, method, scope):
    url = world.url(name)
    for held, raw in world.per_scope.items():
        status = _send(call(raw), method, url).status_code
        if held == scope:
            assert status not in (401, 403, 404), (held, status)
        else:
            assert status == 403, (held, status)


@pytest.mark.parametrize(
    ("name", "method", "scope"), [op for op in OPERATIONS if not op[0].endswith("-list")],
    ids=[i for i, op in zip(OPERATION_IDS, OPERATIONS, strict=True) if not op[0].endswith("-list")],
)
def test_the_other_provinces_objects_are_404_for_every_operation_on_one(world, name, method, scope):
    """GIVEN a key of province B with every scope WHEN it reads or acts on province A's service, request,
    case or report THEN the answer is 404, and nothing changed."""
    _key, raw = world.side["b"]["key"]
    request, case = world.side["a"]["request"], world.side["a"]["case"]
    response = call(raw).generic(method, world.url(name), '{"version": 0, "note": "x", "return_to": 1, '
                                 '"kind": "upward", "outcome": "resolved", "text": "x"}',
                                 content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert ServiceRequest.objects.get(pk=request.pk).version == request.version
    assert Case.objects.get(pk=case.pk).state == case.state


def test_the_other_provinces_rows_are_absent_from_every_list(world):
    _key, raw = world.side["b"]["key"]
    api = call(raw)
    b = world.side["b"]
    lists = {
        "api-service-list": ("id", b["service"].pk),
        "api-request-list": ("tracking_code", b["request"].tracking_code),
        "api-case-list": ("tracking_code", b["case"].tracking_code),
        "api-report-list": ("id", b["report"].pk),
    }
    listed = {name for name, method, _scope in OPERATIONS if name.endswith("-list") and method == "GET"}
    assert listed - set(lists) == {"api-satisfaction-list"}
    for name, (field, own) in lists.items():
        rows = api.get(reverse(name)).json()["results"]
        assert [row[field] for row in rows] == [own], name
    # Province A's answers do not count in province B's index: B has its own 16 answers only.
    assert api.get(reverse("api-satisfaction-list") + "?start=1400-01-01&end=1410-12-29").json()["answers"] == 16


def test_a_key_files_requests_and_registers_cases_only_at_its_own_units(world):
    _key, raw = world.side["b"]["key"]
    a = world.side["a"]
    api = call(raw)
    filed = api.post(reverse("api-request-list"), {
        "service": a["service"].pk, "unit": a["unit"].pk, "national_code": "0499370899", "full_name": "سارا",
        "mobile": "09121234567"}, format="json")
    assert filed.status_code == 400
    assert set(filed.json()["errors"]) == {"service"}
    case = api.post(reverse("api-case-list"), {
        "type": "thanks", "unit": a["unit"].pk, "national_code": "0499370899", "full_name": "سارا",
        "mobile": "09121234567", "subject": "تشکر", "description": "شرح"}, format="json")
    assert case.status_code == 400
    assert set(case.json()["errors"]) == {"unit"}
    assert ServiceRequest.objects.count() == Case.objects.count() == 2
