"""The integration API at /api/v1/ with real rows: reads, filters, pages, writes and their records."""

import datetime as dt
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.api.v1.dates import moment_parse
from apps.cases.models import Case
from apps.core.jalali import to_jalali
from apps.core.models import ChangeRecord
from apps.desk import services as desk_services
from apps.desk.models import RequestStage, ServiceRequest
from apps.feedback.indices import answers_in_scope, axis_indices, overall_index
from apps.reports.models import Report
from tests.factories import (
    FeeFactory,
    OrgUnitFactory,
    RequiredDocumentFactory,
    StaffFactory,
    SubServiceFactory,
    UserFactory,
    WorkflowStageFactory,
    api_key,
    body_duty,
    registered_case,
    registered_request,
    report_answers_at,
)
from tests.files import PDF

pytestmark = pytest.mark.django_db


def call(raw: str, **headers) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}", **headers)
    return client


@pytest.fixture
def desk():
    """A provincial unit with an officer, an online service of three stages at that unit with one
    document that must be uploaded, and a key with every scope acting as the officer."""
    unit = OrgUnitFactory()
    officer = StaffFactory(unit=unit, user=UserFactory())
    service = SubServiceFactory(body=unit.body, channel="electronic", non_electronic_reason="")
    for n in (1, 2, 3):
        WorkflowStageFactory(service=service, order=n, responsible_unit=unit)
    scan = RequiredDocumentFactory(service=service, title="تصویر کارت ملی", upload_required=True)
    paper = RequiredDocumentFactory(service=service, title="فیش واریزی", upload_required=False)
    FeeFactory(service=service)
    key, raw = api_key(scopes="all", unit=unit, staff=officer)

    class Desk:
        pass

    d = Desk()
    d.unit, d.officer, d.service, d.scan, d.paper, d.key, d.raw = unit, officer, service, scan, paper, key, raw
    d.api = call(raw)
    return d


def _request(desk, **kwargs):
    return registered_request(service=desk.service, unit=desk.unit, clerk=desk.officer, **kwargs)


def _queries(client, url) -> int:
    client.get(url)  # the key's last use is written once a minute: not part of the page's cost
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx)


# --- dates --------------------------------------------------------------------------------------


def test_dates_take_iso_and_jalali_in_any_digits():
    assert moment_parse("2026-12-06") == dt.date(2026, 12, 6)
    assert moment_parse("1405-09-15") == dt.date(2026, 12, 6)
    assert moment_parse("۱۴۰۵/۰۹/۱۵") == dt.date(2026, 12, 6)
    moment = moment_parse("2026-12-06T10:00:00+03:30")
    assert moment == dt.datetime(2026, 12, 6, 6, 30, tzinfo=dt.UTC)
    # An offset no clock has (found by the fuzzer: PostgreSQL refuses it, which was a 500).
    for bad in ("2026-13-01", "1405-13-01", "yesterday", "9999-12-31", "x" * 100, "2000-01-01T05:51:44-20:58"):
        with pytest.raises(ValueError):  # noqa: PT011 - each of the parsers' own ValueErrors
            moment_parse(bad)


# --- catalog ------------------------------------------------------------------------------------


def test_catalog_lists_published_services_of_the_keys_bodies_with_their_details(desk):
    SubServiceFactory(body=desk.unit.body, active=False)  # not published
    other = SubServiceFactory()  # another body's
    response = desk.api.get("/api/v1/catalog/services/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [desk.service.pk]
    row = rows[0]
    assert row["body"] == {"id": desk.unit.body_id, "name": desk.unit.body.name_fa}
    assert [d["id"] for d in row["documents"]] == [desk.scan.pk, desk.paper.pk]
    assert row["documents"][0]["upload_required"] is True
    assert [st["order"] for st in row["stages"]] == [1, 2, 3]
    assert row["fees"][0]["amount_rials"] == 500000
    assert desk.api.get(f"/api/v1/catalog/services/{other.pk}/").status_code == 404
    assert desk.api.get(f"/api/v1/catalog/services/{desk.service.pk}/").json()["code"] == desk.service.code

    _national, raw = api_key(scopes=("catalog:read",), national=True)
    ids = {r["id"] for r in call(raw).get("/api/v1/catalog/services/").json()["results"]}
    assert ids == {desk.service.pk, other.pk}


def test_catalog_filters_by_code_channel_and_search_words(desk):
    SubServiceFactory(body=desk.unit.body, title="پروانه کسب", code="77001")
    api = desk.api
    assert [r["code"] for r in api.get("/api/v1/catalog/services/?q=پروانه").json()["results"]] == ["77001"]
    assert [r["code"] for r in api.get("/api/v1/catalog/services/?code=77001").json()["results"]] == ["77001"]
    electronic = api.get("/api/v1/catalog/services/?channel=electronic").json()["results"]
    assert [r["id"] for r in electronic] == [desk.service.pk]
    assert api.get("/api/v1/catalog/services/?channel=nonsense").status_code == 400


def test_catalog_list_costs_the_same_for_3_or_10_services(desk):
    def add(n):
        for _ in range(n):
            service = SubServiceFactory(body=desk.unit.body)
            WorkflowStageFactory(service=service, responsible_unit=desk.unit)
            RequiredDocumentFactory(service=service)
            FeeFactory(service=service)

    add(2)
    few = _queries(desk.api, "/api/v1/catalog/services/")
    add(7)
    assert _queries(desk.api, "/api/v1/catalog/services/") == few


# --- requests: reads ----------------------------------------------------------------------------


def test_request_list_has_no_personal_data_and_the_detail_has_it_with_stages(desk):
    sr = _request(desk)
    rows = desk.api.get("/api/v1/requests/").json()["results"]
    assert [r["tracking_code"] for r in rows] == [sr.tracking_code]
    assert "applicant" not in rows[0]
    assert "0499370899" not in str(rows[0])
    assert rows[0]["service"] == {"id": desk.service.pk, "code": desk.service.code, "title": desk.service.title}
    assert rows[0]["received_at"].endswith("+03:30")

    detail = desk.api.get(f"/api/v1/requests/{sr.tracking_code}/").json()
    assert detail["applicant"]["national_code"] == "0499370899"
    assert [(st["order"], st["state"]) for st in detail["stages"]] == [(1, "active"), (2, "pending"), (3, "pending")]
    assert detail["stages"][0]["unit"] == {"id": desk.unit.pk, "name": desk.unit.name}
    assert detail["stages"][1]["due_at"] is None


def test_request_filters_take_a_jalali_or_an_iso_day_with_the_same_result(desk):
    old = _request(desk)
    new = _request(desk)
    ServiceRequest.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=20))
    day = timezone.localdate() - dt.timedelta(days=3)
    jalali_day = to_jalali(day).strftime("%Y-%m-%d")
    persian_digits = jalali_day.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))

    def codes(query):
        response = desk.api.get(f"/api/v1/requests/?{query}")
        assert response.status_code == 200, response.content
        return [r["tracking_code"] for r in response.json()["results"]]

    assert codes(f"received_after={day.isoformat()}") == [new.tracking_code]
    assert codes(f"received_after={jalali_day}") == [new.tracking_code]
    assert codes(f"received_after={persian_digits}") == [new.tracking_code]
    assert codes(f"received_before={jalali_day}") == [old.tracking_code]
    assert codes(f"status=in_progress&service={desk.service.pk}&service_code={desk.service.code}") == [
        new.tracking_code, old.tracking_code]
    assert codes("status=delivered") == []
    bad = desk.api.get("/api/v1/requests/?received_after=1405-13-40")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"received_after"}


def test_request_list_pages_by_cursor_without_losing_or_repeating_a_row(desk):
    made = [_request(desk).tracking_code for _ in range(5)]
    first = desk.api.get("/api/v1/requests/?page_size=3").json()
    second = desk.api.get(first["next"]).json()
    seen = [r["tracking_code"] for r in first["results"]] + [r["tracking_code"] for r in second["results"]]
    assert len(first["results"]) == 3
    assert second["next"] is None
    assert seen == list(reversed(made))


def test_request_list_orders_by_promised_date_either_way(desk):
    a, b = _request(desk), _request(desk)
    ServiceRequest.objects.filter(pk=a.pk).update(promised_at=timezone.now() + dt.timedelta(days=30))
    ServiceRequest.objects.filter(pk=b.pk).update(promised_at=timezone.now() + dt.timedelta(days=2))
    up = [r["tracking_code"] for r in desk.api.get("/api/v1/requests/?ordering=promised_at").json()["results"]]
    down = [r["tracking_code"] for r in desk.api.get("/api/v1/requests/?ordering=-promised_at").json()["results"]]
    assert up == [b.tracking_code, a.tracking_code]
    assert down == [a.tracking_code, b.tracking_code]


def test_request_list_costs_the_same_for_3_or_10_requests(desk):
    for _ in range(3):
        _request(desk)
    few = _queries(desk.api, "/api/v1/requests/")
    for _ in range(7):
        _request(desk)
    assert _queries(desk.api, "/api/v1/requests/") == few


# --- requests: filing ---------------------------------------------------------------------------


def _filing(desk, **fields):
    data = {"service": desk.service.pk, "national_code": "0499370899", "full_name": "سارا محمدی",
            "mobile": "09121234567", "documents": json.dumps([{"document": desk.paper.pk, "received": True}]),
            f"doc_{desk.scan.pk}_file": SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf")}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_filing_a_request_with_its_scan_registers_it_online_and_records_the_key(desk):
    response = desk.api.post("/api/v1/requests/", _filing(desk), format="multipart", REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 201, response.content
    body = response.json()
    sr = ServiceRequest.objects.get(tracking_code=body["tracking_code"])
    assert (sr.channel, sr.unit, sr.registered_by, sr.incomplete_reason) == ("online", desk.unit, desk.officer, "")
    assert set(sr.documents.values_list("title", "received")) == {("تصویر کارت ملی", True), ("فیش واریزی", True)}
    assert sr.documents.get(required=desk.scan).file
    assert body["stages"][0]["state"] == "active"
    assert body["applicant"]["full_name"] == "سارا محمدی"
    record = ChangeRecord.objects.get(content_type=ContentType.objects.get_for_model(sr), object_id=str(sr.pk))
    assert record.action == "api_request_register"
    assert record.actor == desk.officer.user
    assert record.note == f"API key {desk.key.prefix} ({desk.key.name}) from 192.0.2.7"


def test_filing_as_json_without_a_required_scan_is_refused_beside_the_document(desk):
    response = desk.api.post("/api/v1/requests/", {
        "service": desk.service.pk, "national_code": "0499370899", "full_name": "سارا محمدی",
        "mobile": "09121234567", "documents": [{"document": desk.paper.pk, "received": True}]}, format="json")
    assert response.status_code == 400
    assert f"doc_{desk.scan.pk}_file" in response.json()["errors"]
    assert not ServiceRequest.objects.exists()


def test_a_service_with_no_upload_required_is_filed_as_json_and_missing_paper_is_noted(desk):
    desk.scan.delete()
    response = desk.api.post("/api/v1/requests/", {
        "service": desk.service.pk, "national_code": "0499370899", "full_name": "سارا محمدی",
        "mobile": "09121234567"}, format="json")
    assert response.status_code == 201, response.content
    sr = ServiceRequest.objects.get()
    assert "فیش واریزی" in sr.incomplete_reason


def test_filing_errors_speak_the_callers_language(desk):
    english = desk.api.post("/api/v1/requests/", _filing(desk, national_code="0499370898"), format="multipart",
                            HTTP_ACCEPT_LANGUAGE="en")
    persian = desk.api.post("/api/v1/requests/", _filing(desk, national_code="0499370898"), format="multipart")
    assert english.status_code == persian.status_code == 400
    assert english.json()["code"] == "invalid"
    assert english.json()["errors"]["national_code"] == ["This national code is not valid; check the digits."]
    message = persian.json()["errors"]["national_code"][0]
    assert message != "This national code is not valid; check the digits."
    assert any("\u0600" <= ch <= "\u06ff" for ch in message)


def test_filing_refuses_a_file_that_is_not_a_scan_and_overlong_text(desk):
    fake = SimpleUploadedFile("id.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = desk.api.post("/api/v1/requests/", _filing(desk, **{f"doc_{desk.scan.pk}_file": fake}),
                             format="multipart")
    assert response.status_code == 400
    assert f"doc_{desk.scan.pk}_file" in response.json()["errors"]

    long_name = desk.api.post("/api/v1/requests/", _filing(desk, full_name="ن" * 201), format="multipart")
    assert long_name.status_code == 400
    assert "full_name" in long_name.json()["errors"]
    bad_json = desk.api.post("/api/v1/requests/", _filing(desk, documents="[{"), format="multipart")
    assert bad_json.status_code == 400
    assert "documents" in bad_json.json()["errors"]
    assert not ServiceRequest.objects.exists()


def test_filing_at_a_unit_outside_the_key_or_not_offering_the_service_is_refused(desk):
    elsewhere = OrgUnitFactory(body=desk.unit.body)
    desk.service.units.add(desk.unit)
    response = desk.api.post("/api/v1/requests/", _filing(desk, unit=elsewhere.pk), format="multipart")
    assert response.status_code == 400
    assert "unit" in response.json()["errors"]
    other_service = SubServiceFactory()
    response = desk.api.post("/api/v1/requests/", _filing(desk, service=other_service.pk), format="multipart")
    assert response.status_code == 400
    assert "service" in response.json()["errors"]


# --- requests: stages ---------------------------------------------------------------------------


def test_completing_the_current_stage_with_the_version_read_moves_the_request_on(desk):
    sr = _request(desk)
    url = f"/api/v1/requests/{sr.tracking_code}/complete/"
    response = desk.api.post(url, {"version": sr.version, "note": "بررسی شد"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == sr.version + 1
    assert [st["state"] for st in body["stages"]] == ["done", "active", "pending"]
    stage = RequestStage.objects.get(request=sr, order=1)
    assert (stage.finished_by, stage.note) == (desk.officer, "بررسی شد")
    assert ChangeRecord.objects.filter(object_id=str(sr.pk), action="api_stage_complete").count() == 1

    stale = desk.api.post(url, {"version": sr.version, "note": "دوباره"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert RequestStage.objects.get(request=sr, order=2).state == "active"
    assert desk.api.post(url, {"note": "بی نسخه"}, format="json").status_code == 400


def test_hold_resume_and_return_act_on_the_current_stage(desk):
    sr = _request(desk)
    desk_services.stage_complete(stage_id=sr.stages.get(order=1).pk, by=desk.officer)
    base = f"/api/v1/requests/{sr.tracking_code}"
    version = ServiceRequest.objects.get(pk=sr.pk).version

    assert desk.api.post(f"{base}/resume/", {"version": version}, format="json").status_code == 409
    held = desk.api.post(f"{base}/hold/", {"version": version, "note": "استعلام از ثبت"}, format="json")
    assert held.status_code == 200, held.content
    assert held.json()["status"] == "on_hold"
    no_active = desk.api.post(f"{base}/complete/", {"version": held.json()["version"]}, format="json",
                              HTTP_ACCEPT_LANGUAGE="en")
    assert no_active.status_code == 409
    assert no_active.json()["detail"] == "This request has no stage waiting for action."

    resumed = desk.api.post(f"{base}/resume/", {"version": held.json()["version"]}, format="json")
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "in_progress"
    back = desk.api.post(f"{base}/return/", {"version": resumed.json()["version"], "note": "مدرک ناقص",
                                             "return_to": 1, "bring": "اصل شناسنامه"}, format="json")
    assert back.status_code == 200, back.content
    assert [st["state"] for st in back.json()["stages"]] == ["active", "pending", "pending"]
    actions = set(ChangeRecord.objects.filter(object_id=str(sr.pk)).values_list("action", flat=True))
    assert {"api_request_hold", "api_request_resume", "api_stage_return"} <= actions


def test_a_key_that_acts_on_stages_but_does_not_read_requests_gets_no_personal_data(desk):
    sr = _request(desk)
    _key, raw = api_key(scopes=("stages:act",), unit=desk.unit, staff=desk.officer)
    response = call(raw).post(f"/api/v1/requests/{sr.tracking_code}/complete/", {"version": sr.version},
                              format="json")
    assert response.status_code == 200
    assert response.json()["applicant"] is None


# --- cases --------------------------------------------------------------------------------------


def test_cases_are_listed_read_registered_referred_and_answered(desk):
    existing = registered_case(unit=desk.unit, clerk=desk.officer)
    listed = desk.api.get("/api/v1/cases/").json()["results"]
    assert [c["tracking_code"] for c in listed] == [existing.tracking_code]
    detail = desk.api.get(f"/api/v1/cases/{existing.tracking_code}/").json()
    assert detail["applicant"]["national_code"] == "0499370899"

    duty = body_duty(desk.unit.body)
    created = desk.api.post("/api/v1/cases/", {
        "type": "request", "channel": "desk", "national_code": "0499370899", "full_name": "علی رضایی",
        "mobile": "09121234567", "subject": "پیگیری", "description": "شرح", "duty": duty.pk}, format="json")
    assert created.status_code == 201, created.content
    case = Case.objects.get(tracking_code=created.json()["tracking_code"])
    assert (case.unit, case.registered_by, case.handling_unit) == (desk.unit, desk.officer, desk.unit)

    sibling = OrgUnitFactory(body=desk.unit.body)
    referred = desk.api.post(f"/api/v1/cases/{existing.tracking_code}/refer/",
                             {"kind": "unit", "to_unit": sibling.pk, "note": "در صلاحیت آن واحد"}, format="json")
    assert referred.status_code == 200, referred.content
    assert referred.json()["handling_unit"]["id"] == sibling.pk
    # Handled elsewhere now: gone from this key's scope.
    assert desk.api.get(f"/api/v1/cases/{existing.tracking_code}/").status_code == 404

    answered = desk.api.post(f"/api/v1/cases/{case.tracking_code}/respond/",
                             {"outcome": "resolved", "text": "انجام شد"}, format="json")
    assert answered.status_code == 200, answered.content
    assert answered.json()["state"] == "closed"
    assert answered.json()["responses"][0]["outcome"] == "resolved"
    actions = set(ChangeRecord.objects.filter(action__startswith="api_case").values_list("action", flat=True))
    assert actions == {"api_case_register", "api_case_refer", "api_case_respond"}


def test_case_registration_checks_the_national_code_and_the_unit(desk):
    other_unit = OrgUnitFactory()
    base = {"type": "thanks", "national_code": "1234567890", "full_name": "علی", "mobile": "09121234567",
            "subject": "تشکر", "description": "شرح"}
    bad_code = desk.api.post("/api/v1/cases/", base, format="json")
    assert bad_code.status_code == 400
    assert "national_code" in bad_code.json()["errors"]
    outside = desk.api.post("/api/v1/cases/", {**base, "national_code": "0499370899", "unit": other_unit.pk},
                            format="json")
    assert outside.status_code == 400
    assert "unit" in outside.json()["errors"]
    assert not Case.objects.exists()


def test_case_filters_by_type_and_a_jalali_or_iso_day(desk):
    old = registered_case(unit=desk.unit, clerk=desk.officer, case_type="request")
    new = registered_case(unit=desk.unit, clerk=desk.officer, case_type="complaint",
                          complained_body=desk.unit.body)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    day = timezone.localdate() - dt.timedelta(days=2)

    def codes(query):
        return [c["tracking_code"] for c in desk.api.get(f"/api/v1/cases/?{query}").json()["results"]]

    assert codes(f"created_after={day.isoformat()}") == codes(
        f"created_after={to_jalali(day).strftime('%Y/%m/%d')}") == [new.tracking_code]
    assert codes("type=request") == [old.tracking_code]


def test_case_list_costs_the_same_for_3_or_10_cases(desk):
    for _ in range(3):
        registered_case(unit=desk.unit, clerk=desk.officer)
    few = _queries(desk.api, "/api/v1/cases/")
    for _ in range(7):
        registered_case(unit=desk.unit, clerk=desk.officer)
    assert _queries(desk.api, "/api/v1/cases/") == few


# --- satisfaction and reports -------------------------------------------------------------------


def test_satisfaction_index_of_the_keys_units_for_a_jalali_or_iso_period(desk):
    now = timezone.now()
    report_answers_at(_request(desk), at=now, value=5)
    report_answers_at(registered_request(), at=now, value=1)  # another unit: not counted
    day = timezone.localdate()
    iso = desk.api.get(f"/api/v1/satisfaction/indices/?start={day.isoformat()}&end={day.isoformat()}").json()
    jal = to_jalali(day).strftime("%Y-%m-%d")
    jalali = desk.api.get(f"/api/v1/satisfaction/indices/?start={jal}&end={jal}").json()
    current_month = desk.api.get("/api/v1/satisfaction/indices/").json()
    assert iso == jalali
    own = overall_index(answers_in_scope(unit=desk.unit))
    assert iso["overall"] == current_month["overall"] == own
    assert own != overall_index(answers_in_scope())
    assert iso["answers"] == 16
    assert [a["order"] for a in iso["axes"]] == [a.order for a in axis_indices(answers_in_scope(unit=desk.unit))]
    yesterday = (day - dt.timedelta(days=1)).isoformat()
    empty = desk.api.get(f"/api/v1/satisfaction/indices/?start={yesterday}&end={yesterday}").json()
    assert (empty["overall"], empty["answers"], empty["axes"]) == (None, 0, [])
    backwards = desk.api.get(f"/api/v1/satisfaction/indices/?start={day.isoformat()}&end={yesterday}")
    assert backwards.status_code == 400


def test_reports_the_key_covers_are_listed_and_read_with_their_frozen_figures(desk):
    # The province's only unit is this key's: its report is covered; its body has a unit elsewhere.
    own = Report.objects.create(kind="quarterly_province", period="1405-Q2", province=desk.unit.province,
                                status="done", figures={"requests": {"received": 12}})
    Report.objects.create(kind="quarterly_province", period="1405-Q1", province=desk.unit.province, status="running")
    OrgUnitFactory(body=desk.unit.body)
    not_covered = Report.objects.create(kind="quarterly_body", period="1405-Q3", body=desk.unit.body,
                                        status="done", figures={})
    rows = desk.api.get("/api/v1/reports/").json()["results"]
    assert [r["id"] for r in rows] == [own.pk]
    detail = desk.api.get(f"/api/v1/reports/{own.pk}/").json()
    assert detail["figures"] == {"requests": {"received": 12}}
    assert desk.api.get(f"/api/v1/reports/{not_covered.pk}/").status_code == 404


def test_report_list_costs_the_same_for_3_or_10_reports(desk):
    def add(first, n):
        for number in range(first, first + n):
            Report.objects.create(kind="bimonthly_audit", period=f"{1390 + number}-B1", province=desk.unit.province,
                                  status="done", figures={"n": number})

    add(0, 3)
    few = _queries(desk.api, "/api/v1/reports/")
    add(3, 7)
    assert _queries(desk.api, "/api/v1/reports/") == few
