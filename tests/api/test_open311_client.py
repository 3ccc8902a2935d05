"""A real Open311 client against a running portal: a request filed by a form-encoded POST exactly as
the spec shows it, then read back through the `georeport` package from PyPI in both formats."""

import pytest
import requests
from django.utils import timezone
from georeport import GeoReport

from apps.api.models import Scope
from apps.catalog.models import Channel
from apps.desk.models import ServiceRequest
from tests.factories import (
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    api_key,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def service():
    unit = OrgUnitFactory()
    service = SubServiceFactory(body=unit.body, channel=Channel.HYBRID, eservice_url="https://e.example.ir/x")
    service.units.add(unit)
    WorkflowStageFactory(service=service, order=1, responsible_unit=unit, title="Review")
    service.plan = RequiredDocumentFactory(service=service, title="نقشه", upload_required=False)
    service.unit = unit
    return service


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_pypi_client_reads_a_request_filed_by_a_form_post(live_server, service, fmt):
    _key, raw = api_key(scopes=[Scope.REQUESTS_FILE], unit=service.unit)
    filed = requests.post(f"{live_server.url}/open311/v2/requests.json", data={
        "api_key": raw, "service_code": service.code, "attribute[national_code]": "0499370899",
        f"attribute[doc_{service.plan.pk}]": "desk", "first_name": "رضا", "last_name": "حسینی",
        "phone": "09123456789", "email": "reza@example.ir", "description": "درخواست آزمایشی",
    }, timeout=10)
    assert filed.status_code == 200, filed.text
    assert filed.headers["Content-Type"] == "application/json; charset=utf-8"
    tracking = filed.json()[0]["service_request_id"]
    sr = ServiceRequest.objects.get(tracking_code=tracking)
    assert sr.unit == service.unit
    promised = timezone.localtime(sr.promised_at).isoformat(timespec="seconds")

    client = GeoReport(f"{live_server.url}/open311/v2", api_key=raw, output_format=fmt)
    services = client.get_service_list()
    # The XML client gives a dict for a single element, a list for more.
    services = services if isinstance(services, list) else [services]
    assert [s["service_code"] for s in services] == [service.code]
    assert services[0]["group"] == service.body.name

    definition = client.get_service_definition(service.code)
    assert definition["service_code"] == service.code
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == ["national_code", f"doc_{service.plan.pk}"]

    listed = client.get_service_requests(service_code=service.code, status="open")
    listed = listed if isinstance(listed, list) else [listed]
    assert [r["service_request_id"] for r in listed] == [tracking]

    one = client.get_service_request(tracking)
    assert one["service_request_id"] == tracking
    assert one["service_code"] == service.code
    assert one["status"] == "open"
    assert one["expected_datetime"] == promised
    assert "حسینی" not in str(one)
