"""Open311 GeoReport v2 at /open311/v2/: every endpoint in JSON and XML against the spec's shapes,
filing a request exactly as the e-desk checks it, no personal data in any read, and only the spec's
error array for anything that goes wrong."""

import datetime as dt
import http.server
import threading

import pytest
from django.utils import timezone

from apps.api.models import Scope
from apps.catalog.models import Channel
from apps.core.jalali import format_date
from apps.core.models import ChangeRecord
from apps.desk.models import RequestDocument, ServiceRequest
from tests.api import open311_schemas as schemas
from tests.factories import (
    BodyFactory,
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    answered_request,
    api_key,
    registered_request,
)
from tests.files import JPEG, PDF, PNG, upload
from tests.i18n import fa

pytestmark = pytest.mark.django_db
ROOT = "/open311/v2"
FORMATS = ("json", "xml")
NATIONAL_CODE = "0499370899"
APPLICANT = {"national_code": "0012345679", "full_name": "پریسا کاظمی", "mobile": "09351112233"}
JSON_TYPE, XML_TYPE = "application/json; charset=utf-8", "text/xml; charset=utf-8"


def read(response, fmt: str, *, root: str = "", item: str = ""):
    """The answer as JSON data, whichever the format (XML converted by the spec's element names)."""
    assert response["Content-Type"] == (JSON_TYPE if fmt == "json" else XML_TYPE)
    if fmt == "json":
        return response.json()
    if response.status_code >= 400:
        return schemas.from_xml(response.content, root="errors", item="error")
    return schemas.from_xml(response.content, root=root, item=item)


def error(response, fmt: str, status: int) -> str:
    assert response.status_code == status, response.content[:300]
    data = read(response, fmt)
    schemas.valid(data, schemas.ERRORS)
    assert data[0]["code"] == status
    return data[0]["description"]


@pytest.fixture
def online():
    """An electronic service offered by one unit: a scan that must be uploaded, a plan that may come to the desk."""
    unit = OrgUnitFactory()
    service = SubServiceFactory(body=unit.body, channel=Channel.ELECTRONIC, eservice_url="https://e.example.ir/x",
                                non_electronic_reason="")
    service.units.add(unit)
    for n in (1, 2, 3):
        WorkflowStageFactory(service=service, order=n, responsible_unit=unit, title=f"Stage {n}")
    service.card = RequiredDocumentFactory(service=service, order=1, title="کارت ملی", upload_required=True)
    service.plan = RequiredDocumentFactory(service=service, order=2, title="نقشه", upload_required=False)
    service.unit = unit
    return service


@pytest.fixture
def key(online):
    return api_key(scopes=[Scope.REQUESTS_FILE], unit=online.unit)


def filing(service, raw: str, **extra) -> dict:
    data = {
        "api_key": raw, "service_code": service.code, "attribute[national_code]": NATIONAL_CODE,
        "first_name": "رضا", "last_name": "حسینی", "phone": "09123456789", "email": "reza@example.ir",
        "description": "شرح", f"attribute[doc_{service.card.pk}]": "attached",
        f"attribute[doc_{service.plan.pk}]": "desk", "media": upload(PDF),
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


# --- discovery, services, service definitions --------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_spec_the_endpoint_and_both_formats(client, online, settings, fmt):
    settings.OPEN311_CONTACT = "open311@portal.example.ir"
    response = client.get(f"{ROOT}/discovery.{fmt}")
    assert response.status_code == 200
    data = read(response, fmt, root="discovery")
    schemas.valid(data, schemas.DISCOVERY)
    assert data["contact"] == "open311@portal.example.ir"
    endpoint = data["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert data["changeset"] == timezone.localtime(online.updated_at).isoformat(timespec="seconds")


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list_shows_published_services_with_their_body_as_group(client, online, fmt,
                                                                        django_assert_max_num_queries):
    SubServiceFactory(active=False, title="retired")
    other = SubServiceFactory(title="another body's")
    for _n in range(5):
        SubServiceFactory(body=online.body)
    with django_assert_max_num_queries(2):
        response = client.get(f"{ROOT}/services.{fmt}")
    data = read(response, fmt, root="services", item="service")
    schemas.valid(data, schemas.SERVICES)
    assert len(data) == 7
    mine = next(s for s in data if s["service_code"] == online.code)
    assert mine == {
        "service_code": online.code, "service_name": online.title, "description": online.description,
        "metadata": True, "type": "realtime", "keywords": f"G2C, {online.body.name}", "group": online.body.name,
    }
    assert "retired" not in {s["service_name"] for s in data}

    narrowed = read(client.get(f"{ROOT}/services.{fmt}", {"jurisdiction_id": other.body_id}), fmt,
                    root="services", item="service")
    assert [s["service_code"] for s in narrowed] == [other.code]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_the_applicant_and_each_document(client, online, fmt):
    response = client.get(f"{ROOT}/services/{online.code}.{fmt}")
    assert response.status_code == 200
    data = read(response, fmt, root="service_definition")
    schemas.valid(data, schemas.SERVICE_DEFINITION)
    attributes = {a["code"]: a for a in data["attributes"]}
    assert [a["order"] for a in data["attributes"]] == [1, 2, 3]
    assert attributes["national_code"]["required"] is True
    assert attributes["national_code"]["datatype"] == "string"
    card, plan = attributes[f"doc_{online.card.pk}"], attributes[f"doc_{online.plan.pk}"]
    assert card["datatype"] == "singlevaluelist"
    assert card["description"] == "کارت ملی"
    assert [v["key"] for v in card["values"]] == ["attached"]  # the scan is required: no desk
    assert [v["key"] for v in plan["values"]] == ["attached", "desk"]
    assert "legal_id" not in attributes


def test_a_service_to_businesses_asks_for_the_legal_entity(client, online):
    online.service_type = "G2B"
    online.save()
    codes = [a["code"] for a in client.get(f"{ROOT}/services/{online.code}.json").json()["attributes"]]
    assert codes[:3] == ["national_code", "legal_id", "legal_name"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_code_of_several_bodies_needs_the_jurisdiction_and_an_unknown_one_is_404(client, online, fmt):
    twin = SubServiceFactory(code=online.code)
    description = error(client.get(f"{ROOT}/services/{online.code}.{fmt}"), fmt, 400)
    assert "jurisdiction_id" in description
    assert str(online.body_id) in description
    assert str(twin.body_id) in description
    chosen = client.get(f"{ROOT}/services/{online.code}.{fmt}", {"jurisdiction_id": twin.body_id})
    assert read(chosen, fmt, root="service_definition")["attributes"][0]["code"] == "national_code"
    error(client.get(f"{ROOT}/services/nothing-here.{fmt}"), fmt, 404)


# --- filing a request ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_filing_registers_an_online_request_at_the_keys_unit_with_an_audit_record(client, online, key, fmt):
    key_row, raw = key
    response = client.post(f"{ROOT}/requests.{fmt}", filing(online, raw))
    assert response.status_code == 200, response.content
    data = read(response, fmt, root="service_requests", item="request")
    schemas.valid(data, schemas.POST_ANSWER)
    sr = ServiceRequest.objects.get(tracking_code=data[0]["service_request_id"])
    assert sr.unit == online.unit
    assert sr.channel == ServiceRequest.Channel.ONLINE
    assert sr.full_name == "رضا حسینی"
    assert sr.mobile == "09123456789"
    assert sr.national_code == NATIONAL_CODE
    assert sr.promised_at > sr.received_at
    assert format_date(sr.promised_at, persian_digits=False) in data[0]["service_notice"]
    assert data[0]["account_id"] is None
    card = RequestDocument.objects.get(request=sr, required=online.card)
    assert card.received
    assert card.file.name.endswith(".pdf")
    assert not RequestDocument.objects.get(request=sr, required=online.plan).received
    assert "نقشه" in sr.incomplete_reason
    record = ChangeRecord.objects.get(object_id=str(sr.pk), action="api_registered")
    assert key_row.prefix in record.note
    assert key_row.name in record.note
    assert "127.0.0.1" in record.note


def test_address_id_chooses_a_covered_unit_that_offers_the_service(client, online, key):
    branch = OrgUnitFactory(body=online.body, parent=online.unit, level="county",
                            path=f"{online.unit.path}9999/")
    online.units.add(branch)
    response = client.post(f"{ROOT}/requests.json", filing(online, key[1], address_id=str(branch.pk)))
    assert response.status_code == 200, response.content
    assert ServiceRequest.objects.get().unit == branch
    elsewhere = OrgUnitFactory(body=online.body)
    online.units.add(elsewhere)
    error(client.post(f"{ROOT}/requests.json", filing(online, key[1], address_id=str(elsewhere.pk))), "json", 400)
    error(client.post(f"{ROOT}/requests.json", filing(online, key[1], address_id="x" * 30)), "json", 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_filing_without_a_usable_key_is_403_as_the_spec_says(client, online, key, fmt):
    url = f"{ROOT}/requests.{fmt}"
    error(client.post(url, filing(online, None)), fmt, 403)
    error(client.post(url, filing(online, "sdk_00000000_wrong")), fmt, 403)
    _, reader = api_key(scopes=[Scope.CATALOG_READ, Scope.REQUESTS_READ], unit=online.unit)
    error(client.post(url, filing(online, reader)), fmt, 403)
    _, foreign = api_key(scopes=[Scope.REQUESTS_FILE], unit=OrgUnitFactory())
    assert error(client.post(url, filing(online, foreign)), fmt, 403) == fa(
        "This key does not cover a unit that offers this service.")
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(("change", "words"), [
    ({"attribute[national_code]": "0499370898"}, ""),  # wrong check digit
    ({"phone": "12345"}, ""),
    ({"first_name": "", "last_name": ""}, ""),
    ({"attribute[doc_CARD]": None}, "attached"),
    ({"attribute[doc_CARD]": "desk"}, "attached"),  # the scan is required
    ({"media": upload(PNG[:40], "x.png", "image/png")}, ""),  # damaged image
    ({"media": upload(b"plain text, not a scan", "x.pdf")}, ""),
    ({"media": None}, "media"),
    ({"attribute[doc_PLAN]": "attached"}, fa("Open311 carries one file: at most one document can be attached.")),
    ({"service_code": "no-such-code"}, None),
    ({"first_name": "ن" * 500}, ""),
])
def test_filing_is_checked_like_the_e_desk(client, online, key, change, words):
    change = {k.replace("CARD", str(online.card.pk)).replace("PLAN", str(online.plan.pk)): v for k, v in change.items()}
    response = client.post(f"{ROOT}/requests.json", filing(online, key[1], **change))
    if words is None:
        error(response, "json", 404)
    else:
        assert words in error(response, "json", 400)
    assert not ServiceRequest.objects.exists()


def test_an_image_scan_is_taken_and_an_in_person_service_is_refused(client, online, key):
    ok = client.post(f"{ROOT}/requests.json", filing(online, key[1], media=upload(JPEG, "card.jpg", "image/jpeg")))
    assert ok.status_code == 200
    online.channel, online.non_electronic_reason = Channel.IN_PERSON, "law"
    online.save()
    assert error(client.post(f"{ROOT}/requests.json", filing(online, key[1])), "json", 400) == fa(
        "This service is offered in person only; it cannot be requested online.")


def test_media_url_to_a_private_address_is_refused(client, online, key, settings):
    settings.OUTBOUND_PRIVATE_URLS_ALLOWED = False
    response = client.post(f"{ROOT}/requests.json",
                           filing(online, key[1], media=None, media_url="http://127.0.0.1:9/card.pdf"))
    assert "media_url" in error(response, "json", 400)
    response = client.post(f"{ROOT}/requests.json",
                           filing(online, key[1], media=None, media_url="file:///etc/passwd"))
    error(response, "json", 400)
    assert not ServiceRequest.objects.exists()


@pytest.fixture
def file_server():
    """A local HTTP server answering /card.pdf with a PDF, /page.pdf with HTML and /moved with a redirect."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/card.pdf")
                self.end_headers()
                return
            body = PDF if self.path == "/card.pdf" else b"<html><body>not a scan</body></html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_media_url_is_fetched_and_checked_like_an_upload(client, online, key, settings, file_server):
    settings.OUTBOUND_PRIVATE_URLS_ALLOWED = True
    for path in ("/page.pdf", "/moved"):  # not a scan; a redirect is not followed
        response = client.post(f"{ROOT}/requests.json", filing(online, key[1], media=None, media_url=file_server + path))
        error(response, "json", 400)
    response = client.post(f"{ROOT}/requests.json",
                           filing(online, key[1], media=None, media_url=f"{file_server}/card.pdf"))
    assert response.status_code == 200, response.content
    sr = ServiceRequest.objects.get()
    assert RequestDocument.objects.get(request=sr, required=online.card).file.name.endswith(".pdf")


# --- reading requests ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_show_the_real_state_and_no_personal_data(client, online, fmt):
    sr = registered_request(service=online, unit=online.unit, **APPLICANT)
    done = answered_request(unit=online.unit, national_code="0499370899", full_name="کامران نوری",
                            mobile="09190001122")
    response = client.get(f"{ROOT}/requests.{fmt}")
    assert response.status_code == 200
    body = response.content.decode()
    for secret in (*APPLICANT.values(), "0499370899", "کامران نوری", "09190001122"):
        assert secret not in body
    data = read(response, fmt, root="service_requests", item="request")
    schemas.valid(data, schemas.REQUESTS)
    assert [r["service_request_id"] for r in data] == [done.tracking_code, sr.tracking_code]
    mine = data[1]
    assert mine["status"] == "open"
    assert fa("stage %(n)s of %(total)s: %(title)s") % {"n": 1, "total": 3, "title": "Stage 1"} in mine["status_notes"]
    assert mine["service_code"] == online.code
    assert mine["agency_responsible"] == online.unit.name
    assert mine["expected_datetime"] == timezone.localtime(sr.promised_at).isoformat(timespec="seconds")
    assert mine["expected_datetime"].endswith("+03:30")
    assert mine["requested_datetime"] == timezone.localtime(sr.received_at).isoformat(timespec="seconds")
    assert data[0]["status"] == "closed"
    assert "of" not in data[0]["status_notes"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_filters_status_codes_ids_and_the_90_day_window(client, online, fmt):
    def ids(**params):
        response = client.get(f"{ROOT}/requests.{fmt}", params)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in read(response, fmt, root="service_requests", item="request")}

    fresh = registered_request(service=online, unit=online.unit)
    closed = answered_request(unit=online.unit)
    old = registered_request(service=online, unit=online.unit)
    ServiceRequest.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=120))

    assert ids() == {fresh.tracking_code, closed.tracking_code}
    assert ids(status="open") == {fresh.tracking_code}
    assert ids(status="closed") == {closed.tracking_code}
    assert ids(status="open,closed") == {fresh.tracking_code, closed.tracking_code}
    assert ids(service_code=online.code) == {fresh.tracking_code}
    assert ids(service_code=f"{online.code},{closed.service.code}") == {fresh.tracking_code, closed.tracking_code}
    start = (timezone.now() - dt.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - dt.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=start, end_date=end) == {old.tracking_code}
    assert ids(start_date=start) == {old.tracking_code}  # 90 days from the start
    # The ids override every other filter, the window included.
    assert ids(service_request_id=f"{old.tracking_code},{fresh.tracking_code}", status="closed") == {
        old.tracking_code, fresh.tracking_code}
    assert ids(page_size=1) == {closed.tracking_code}  # newest first
    assert ids(page_size=1, page=2) == {fresh.tracking_code}


@pytest.mark.parametrize("params", [
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},  # over 90 days
    {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"},  # start after end
    {"start_date": "yesterday"},
    {"end_date": "2026-13-45T00:00:00Z"},
    {"start_date": "2026-01-01T05:51:44-20:58"},  # an offset no clock has
    {"status": "pending"},
    {"page": "0"},
    {"page_size": "1001"},
    {"page_size": "-5"},
    {"jurisdiction_id": "abc"},
    {"service_code": ",".join(["x"] * 200)},
])
def test_bad_request_parameters_are_400(client, params):
    for fmt in FORMATS:
        error(client.get(f"{ROOT}/requests.{fmt}", params), fmt, 400)


def test_the_request_list_costs_the_same_queries_for_one_row_or_a_thousand(client, online,
                                                                            django_assert_num_queries):
    first = registered_request(service=online, unit=online.unit)
    with django_assert_num_queries(2):
        assert len(client.get(f"{ROOT}/requests.json").json()) == 1
    sr = registered_request(service=online, unit=online.unit)
    # Clone the row many times (only the columns the list reads matter).
    clones = []
    for n in range(60):
        sr.pk, sr.tracking_code = None, f"{int(first.tracking_code) + n + 1:011d}"[:11]
        clones.append(ServiceRequest(**{f.attname: getattr(sr, f.attname) for f in ServiceRequest._meta.concrete_fields
                                        if f.attname != "id"}))
    ServiceRequest.objects.bulk_create(clones)
    with django_assert_num_queries(2):
        assert len(client.get(f"{ROOT}/requests.json", {"page_size": 1000}).json()) == 62


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_and_its_token(client, online, fmt):
    sr = registered_request(service=online, unit=online.unit, **APPLICANT)
    response = client.get(f"{ROOT}/requests/{sr.tracking_code}.{fmt}")
    data = read(response, fmt, root="service_requests", item="request")
    schemas.valid(data, schemas.REQUESTS)
    assert len(data) == 1
    assert data[0]["service_request_id"] == sr.tracking_code
    assert APPLICANT["full_name"] not in response.content.decode()
    token = read(client.get(f"{ROOT}/tokens/{sr.tracking_code}.{fmt}"), fmt, root="service_requests", item="request")
    schemas.valid(token, schemas.TOKENS)
    assert token == [{"service_request_id": sr.tracking_code, "token": sr.tracking_code}]
    error(client.get(f"{ROOT}/requests/12345678901.{fmt}"), fmt, 404)
    error(client.get(f"{ROOT}/tokens/nothing.{fmt}"), fmt, 404)


# --- never a page, never a 500 ---------------------------------------------------------------------


def test_junk_at_every_endpoint_gets_the_spec_error_array(client, online, key):
    sr = registered_request(service=online, unit=online.unit)
    paths = ["discovery", "services", f"services/{online.code}", "requests", f"requests/{sr.tracking_code}",
             f"tokens/{sr.tracking_code}"]
    junk = [
        {"service_code": "x" * 5000}, {"jurisdiction_id": "9" * 40}, {"start_date": "\x00"},
        {"service_request_id": "1" * 900}, {"page_size": "1e9"},
    ]
    for path in paths:
        for fmt in FORMATS:
            url = f"{ROOT}/{path}.{fmt}"
            for params in junk:
                response = client.get(url, params)
                assert response.status_code in (200, 400), (url, params, response.status_code)
                assert response["Content-Type"] == (JSON_TYPE if fmt == "json" else XML_TYPE)
            response = client.get(url + "?q=%FF%FE")  # not UTF-8
            error(response, fmt, 400)
            for method in ("put", "patch", "delete"):
                error(getattr(client, method)(url), fmt, 405)
            if path != "requests":
                error(client.post(url, {"a": "b"}), fmt, 405)
    for fmt in FORMATS:
        body = b"--x\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n" + bytes([0xFF, 0xFE]) + b"\r\n--x"
        response = client.post(f"{ROOT}/requests.{fmt}", body, content_type="multipart/form-data; boundary=x")
        assert response.status_code in (400, 403)
        assert response["Content-Type"] == (JSON_TYPE if fmt == "json" else XML_TYPE)
        error(client.post(f"{ROOT}/requests.{fmt}", "{}", content_type="application/json"), fmt, 403)
        error(client.post(f"{ROOT}/requests.{fmt}", filing(online, key[1], service_code="é" * 300)), fmt, 404)


@pytest.mark.parametrize("path", ["", "nothing", "services", "services/", "requests.html", "discovery.xml/x",
                                  "requests/1/2.json", "x.xml"])
def test_any_other_path_is_the_spec_404_never_a_page(client, path):
    response = client.get(f"{ROOT}/{path}")
    fmt = "xml" if path.endswith(".xml") else "json"
    error(response, fmt, 404)
    error(client.post(f"{ROOT}/{path}"), fmt, 404)


def test_the_openapi_schema_documents_every_path_in_both_formats(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("discovery", "services", "services/{service_code}", "requests", "requests/{service_request_id}",
                 "tokens/{token}"):
        for fmt, media in (("json", "application/json"), ("xml", "text/xml")):
            operation = schema["paths"][f"{ROOT}/{path}.{fmt}"]["get"]
            assert media in operation["responses"]["200"]["content"]
            assert operation["summary"]
    create = schema["paths"][f"{ROOT}/requests.json"]["post"]
    assert {"200", "400", "403", "404"} <= set(create["responses"])
    assert "application/x-www-form-urlencoded" in create["requestBody"]["content"]


def test_an_unused_body_has_no_services(client):
    body = BodyFactory()
    assert client.get(f"{ROOT}/services.json", {"jurisdiction_id": body.pk}).json() == []
