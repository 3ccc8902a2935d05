"""The supervisor's catalog screens: one page saves a service with table 1 and its information
document, every change lands in the history, bad input is refused, and scope is enforced."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.catalog.models import Fee, RequiredDocument, SubService, WorkflowStage
from apps.core.models import ChangeRecord
from apps.core.services import change_history
from apps.orgs import roles
from tests.factories import (
    CounterFactory,
    DepartmentFactory,
    FeeFactory,
    OrgUnitFactory,
    RequiredDocumentFactory,
    StaffFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


def _service_records():
    """The catalog's history (the change log also keeps the users and staff the fixtures create)."""
    from django.contrib.contenttypes.models import ContentType

    return ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(SubService))


def page_data(context) -> dict:
    """The POST a browser would send for the page as rendered: every field with its shown value."""
    data = {}
    forms = [context["form"]]
    for formset in context.get("formsets", []):
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            if isinstance(value, list | tuple):
                data[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
            else:
                data[bound.html_name] = str(getattr(value, "pk", value))
    return data


def fill(data: dict, prefix: str, rows: list[dict]) -> dict:
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{i}-{name}"] = value
    return data


@pytest.fixture
def departments(supervisor):
    return [DepartmentFactory(parent=supervisor.unit, name=name) for name in ("اداره املاک", "اداره مسکن")]


def new_service_data(client, supervisor, departments, **fields) -> dict:
    """A complete new service: four stages, three documents and two fees, typed like a person would."""
    page = client.get(reverse("catalog:service_create"))
    data = page_data(page.context)
    data.update(
        body=str(supervisor.unit.body_id),
        code="۱۱۰۲۰۰۳۱",
        title="صدور پروانه ساختمان",
        service_type="G2C",
        channel="in_person",
        non_electronic_reason="law",
        average_duration="۸",
        average_duration_unit="working_day",
        units=[str(supervisor.unit.pk)],
        responsible_name="مریم احمدی",
        responsible_contact="011-33363000",
        **fields,
    )
    estate, housing = (str(d.pk) for d in departments)
    fill(
        data,
        "stages",
        [
            {
                "title": "پذیرش مدارک",
                "responsible_unit": str(supervisor.unit.pk),
                "responsible_post": "کارشناس میز خدمت",
                "duration": "4",
                "duration_unit": "hour",
            },
            {
                "title": "بازدید",
                "responsible_unit": housing,
                "responsible_post": "کارشناس فنی",
                "duration": "۳",
            },
            {
                "title": "بررسی حقوقی",
                "responsible_unit": estate,
                "responsible_post": "کارشناس حقوقی",
                "duration": "2",
            },
            {
                "title": "صدور",
                "responsible_unit": str(supervisor.unit.pk),
                "responsible_post": "معاون",
                "duration": "1",
            },
        ],
    )
    fill(
        data,
        "documents",
        [
            {"title": "کارت ملی", "form": "copy", "upload_required": "on"},
            {"title": "سند مالکیت", "form": "copy"},
            {"title": "نقشه", "form": "original"},
        ],
    )
    fill(
        data,
        "fees",
        [
            {
                "title": "هزینه کارشناسی",
                "amount_rials": "1,500,000",
                "account": "IR820170000000123456789012",
                "legal_basis": "تعرفه ۱۴۰۵",
            },
            {
                "title": "هزینه صدور",
                "amount_rials": "۵۰۰٬۰۰۰",
                "account": "IR820170000000123456789012",
                "legal_basis": "ماده ۱۱۰",
            },
        ],
    )
    return data


def test_supervisor_creates_a_service_with_four_stages_three_documents_and_two_fees(
    client, supervisor, departments
):
    client.force_login(supervisor.user)
    data = new_service_data(client, supervisor, departments)

    response = client.post(reverse("catalog:service_create"), data)

    service = SubService.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:service_detail", args=[service.pk])
    assert service.code == "11020031"  # Persian digits stored as ASCII
    assert service.body == supervisor.unit.body
    assert list(service.units.all()) == [supervisor.unit]
    assert [(s.order, s.duration, s.duration_unit) for s in service.stages.all()] == [
        (1, Decimal(4), "hour"),
        (2, Decimal(3), "working_day"),
        (3, Decimal(2), "working_day"),
        (4, Decimal(1), "working_day"),
    ]
    assert [d.order for d in service.documents.all()] == [1, 2, 3]
    assert sorted(service.fees.values_list("amount_rials", flat=True)) == [500_000, 1_500_000]
    record = _service_records().get()
    assert (record.action, record.actor, record.before) == ("created", supervisor.user, None)
    assert len(record.after["stages"]) == 4


def test_editing_a_stage_duration_records_an_update_with_before_and_after(client, supervisor):
    service = SubServiceFactory(body=supervisor.unit.body)
    stage = WorkflowStageFactory(
        service=service, order=1, responsible_unit=supervisor.unit, duration=Decimal(2)
    )
    WorkflowStageFactory(service=service, order=2, responsible_unit=supervisor.unit)
    client.force_login(supervisor.user)
    data = page_data(client.get(reverse("catalog:service_edit", args=[service.pk])).context)
    assert data["stages-0-id"] == str(stage.pk)
    data["stages-0-duration"] = "3"

    response = client.post(reverse("catalog:service_edit", args=[service.pk]), data)

    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.duration == Decimal(3)
    record = _service_records().get()
    assert record.action == "updated"
    assert record.actor == supervisor.user
    assert record.before["stages"][0]["duration"] == "2.0"
    assert record.after["stages"][0]["duration"] == "3.0"


def test_saving_an_unchanged_service_records_nothing(client, supervisor):
    service = SubServiceFactory(body=supervisor.unit.body, average_duration=Decimal(8))
    WorkflowStageFactory(service=service, responsible_unit=supervisor.unit)
    client.force_login(supervisor.user)
    data = page_data(client.get(reverse("catalog:service_edit", args=[service.pk])).context)
    data["average_duration"] = "8"  # the page shows 8.0 as 8, and that is what comes back
    assert client.post(reverse("catalog:service_edit", args=[service.pk]), data).status_code == 302
    assert not _service_records().exists()


def test_stages_can_swap_numbers_and_be_removed_in_one_save(client, supervisor):
    service = SubServiceFactory(body=supervisor.unit.body)
    for n in (1, 2, 3):
        WorkflowStageFactory(service=service, order=n, title=f"مرحله {n}", responsible_unit=supervisor.unit)
    client.force_login(supervisor.user)
    data = page_data(client.get(reverse("catalog:service_edit", args=[service.pk])).context)
    data.update({"stages-0-order": "2", "stages-1-order": "1", "stages-2-DELETE": "on"})

    assert client.post(reverse("catalog:service_edit", args=[service.pk]), data).status_code == 302

    assert list(service.stages.values_list("title", "order")) == [("مرحله 2", 1), ("مرحله 1", 2)]
    diff = client.get(reverse("catalog:service_history", args=[service.pk])).context["entries"][0]
    assert {row.kind for row in diff.parts[0].rows} == {"removed", "changed"}


BAD_INPUT = {
    "duplicate stage order": ({"stages-1-order": "1"}, "stages", 1, "order"),
    "zero duration": ({"stages-1-duration": "0"}, "stages", 1, "duration"),
    "1.5 working days": ({"stages-2-duration": "1.5"}, "stages", 2, "duration"),
    "unit of another body": ({"stages-3-responsible_unit": "OTHER"}, "stages", 3, "responsible_unit"),
    "in-person without a reason": ({"non_electronic_reason": ""}, None, None, "non_electronic_reason"),
    "electronic without its page": (
        {"channel": "electronic", "non_electronic_reason": ""},
        None,
        None,
        "eservice_url",
    ),
    "negative fee": ({"fees-0-amount_rials": "-5"}, "fees", 0, "amount_rials"),
}


@pytest.mark.parametrize(("change", "prefix", "row", "field"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_rejected_with_errors_beside_the_field_and_nothing_saved(
    client, supervisor, departments, change, prefix, row, field
):
    """GIVEN a complete new service WHEN one value breaks a rule THEN the page comes back with the error
    on that field and no row of the service, its lists or the history exists."""
    # The supervisor's scope is their own unit's subtree; a unit of another body is in scope only for an
    # administrator, who could otherwise pick it.
    admin = staff_user(roles.ADMINISTRATOR, unit=supervisor.unit)
    client.force_login(admin.user)
    data = new_service_data(client, supervisor, departments)
    other = OrgUnitFactory()
    data.update({k: (str(other.pk) if v == "OTHER" else v) for k, v in change.items()})

    response = client.post(reverse("catalog:service_create"), data)

    assert response.status_code == 200
    if prefix:
        formset = next(fs for fs in response.context["formsets"] if fs.prefix == prefix)
        assert field in formset.forms[row].errors, formset.errors
    else:
        assert field in response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert not SubService.objects.exists()
    for model in (WorkflowStage, RequiredDocument, Fee):
        assert not model.objects.exists(), model
    assert not _service_records().exists()


def test_a_service_needs_at_least_one_stage(client, supervisor, departments):
    client.force_login(supervisor.user)
    data = new_service_data(client, supervisor, departments)
    for key in [k for k in data if k.startswith("stages-") and k[7].isdigit()]:
        del data[key]
    data["stages-TOTAL_FORMS"] = "0"
    response = client.post(reverse("catalog:service_create"), data)
    assert response.status_code == 200
    assert response.context["formsets"][0].non_form_errors()
    assert not SubService.objects.exists()


def test_the_supervisor_is_offered_only_bodies_and_units_in_scope(client, supervisor, departments):
    OrgUnitFactory()  # another body, another province
    client.force_login(supervisor.user)
    page = client.get(reverse("catalog:service_create"))
    assert list(page.context["form"].fields["body"].queryset) == [supervisor.unit.body]
    stage_choices = {
        pk for pk, _label in page.context["formsets"][0].forms[0].fields["responsible_unit"].choices if pk
    }
    assert stage_choices == {supervisor.unit.pk, *(d.pk for d in departments)}


def test_a_clerk_reads_the_catalog_but_gets_403_on_every_change(client, clerk):
    service = SubServiceFactory(body=clerk.unit.body)
    counter = CounterFactory(unit=clerk.unit)
    client.force_login(clerk.user)
    assert client.get(reverse("catalog:service_list")).status_code == 200
    assert client.get(reverse("catalog:service_detail", args=[service.pk])).status_code == 200
    assert client.get(reverse("catalog:service_create")).status_code == 403
    assert client.post(reverse("catalog:service_create"), {}).status_code == 403
    assert client.get(reverse("catalog:service_edit", args=[service.pk])).status_code == 403
    assert client.post(reverse("catalog:counter_services", args=[counter.pk]), {}).status_code == 403
    assert b"catalog/services/new/" not in client.get(reverse("catalog:service_list")).content


def test_a_supervisor_of_another_province_gets_404_on_detail_edit_and_history(client, supervisor):
    foreign = SubServiceFactory()  # a body with no unit in the supervisor's scope
    WorkflowStageFactory(service=foreign)
    client.force_login(supervisor.user)
    for name in ("catalog:service_detail", "catalog:service_edit", "catalog:service_history"):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404, name
    assert client.post(reverse("catalog:service_edit", args=[foreign.pk]), {}).status_code == 404


def test_pages_need_login(client):
    for name, args in (
        ("catalog:service_list", []),
        ("catalog:service_create", []),
        ("catalog:counter_list", []),
        ("catalog:service_detail", [1]),
        ("catalog:counter_services", [1]),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("count", [10, 40])
def test_service_list_is_scoped_and_its_query_count_does_not_grow(
    client, supervisor, django_assert_max_num_queries, count
):
    for service in SubServiceFactory.create_batch(count, body=supervisor.unit.body):
        WorkflowStageFactory.create_batch(2, service=service, responsible_unit=supervisor.unit)
    SubServiceFactory()  # another body: must not appear
    client.force_login(supervisor.user)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("catalog:service_list"))
    assert page.context["page"].paginator.count == count
    assert {s.stage_count for s in page.context["services"]} == {2}


def test_service_list_search_accepts_persian_digits_and_arabic_letters(client, supervisor):
    SubServiceFactory(body=supervisor.unit.body, code="11020031", title="صدور پروانه ساختمان")
    SubServiceFactory(body=supervisor.unit.body, code="11020032", title="تمدید پروانه")
    client.force_login(supervisor.user)
    assert [
        s.code for s in client.get(reverse("catalog:service_list"), {"q": "۱۱۰۲۰۰۳۱"}).context["services"]
    ] == ["11020031"]
    assert len(client.get(reverse("catalog:service_list"), {"q": "تمديد"}).context["services"]) == 1


def test_detail_shows_the_promised_duration_beside_the_declared_average(client, supervisor):
    service = SubServiceFactory(body=supervisor.unit.body, average_duration=Decimal(7))
    for order, (amount, unit) in enumerate([(2, "working_day"), (3, "working_day"), (4, "hour")], start=1):
        WorkflowStageFactory(
            service=service,
            order=order,
            duration=Decimal(amount),
            duration_unit=unit,
            responsible_unit=supervisor.unit,
        )
    client.force_login(supervisor.user)

    client.cookies["django_language"] = "en"
    english = client.get(reverse("catalog:service_detail", args=[service.pk]))
    assert english.context["promised"] == "5 working days + 4 hours"
    assert english.context["declared"] == "7 working days"

    client.cookies["django_language"] = "fa"
    persian = client.get(reverse("catalog:service_detail", args=[service.pk])).content.decode()
    promised = persian.split('id="promised-duration">', 1)[1].split("<", 1)[0]
    assert "۵ " in promised
    assert "۴ " in promised
    for printable in ("print/brochure.pdf", "print/brochure.pdf?size=a5", "print/workflow.pdf"):
        assert f"/catalog/services/{service.pk}/{printable}" in persian


def test_history_shows_who_when_and_which_fields_changed(client, supervisor):
    service = SubServiceFactory(body=supervisor.unit.body, title="عنوان قدیم")
    WorkflowStageFactory(service=service, order=1, responsible_unit=supervisor.unit)
    client.force_login(supervisor.user)
    data = page_data(client.get(reverse("catalog:service_edit", args=[service.pk])).context)
    data.update({"title": "عنوان جدید", "stages-0-duration_unit": "hour"})
    data.update(
        {
            "stages-1-title": "مرحله تازه",
            "stages-1-responsible_unit": str(supervisor.unit.pk),
            "stages-1-responsible_post": "کارشناس",
            "stages-1-duration": "1",
        }
    )
    client.post(reverse("catalog:service_edit", args=[service.pk]), data)

    client.cookies["django_language"] = "en"
    entry = client.get(reverse("catalog:service_history", args=[service.pk])).context["entries"][0]
    assert [(c.before, c.after) for c in entry.fields] == [("عنوان قدیم", "عنوان جدید")]
    stage_rows = {row.kind: row for row in entry.parts[0].rows}
    assert stage_rows["added"].label == "2. مرحله تازه"
    assert [(c.before, c.after) for c in stage_rows["changed"].fields] == [("working day", "hour")]
    client.cookies["django_language"] = "fa"
    html = client.get(reverse("catalog:service_history", args=[service.pk])).content.decode()
    assert supervisor.full_name in html
    assert "۱۴" in html  # a Jalali year in Persian digits


def test_counter_services_and_staff_are_saved_and_recorded(client, supervisor):
    counter = CounterFactory(unit=supervisor.unit)
    mine = SubServiceFactory.create_batch(3, body=supervisor.unit.body)
    already = mine[0]
    already.counters.add(counter)
    seated = StaffFactory(unit=DepartmentFactory(parent=supervisor.unit))
    client.force_login(supervisor.user)
    page = client.get(reverse("catalog:counter_services", args=[counter.pk]))
    assert set(page.context["form"].fields["services"].queryset) == set(mine)

    response = client.post(
        reverse("catalog:counter_services", args=[counter.pk]),
        {"services": [mine[1].pk, mine[2].pk], "staff": [seated.pk]},
    )

    assert response.status_code == 302
    assert set(counter.services.all()) == {mine[1], mine[2]}
    assert list(counter.staff.all()) == [seated]
    assert [r.action for r in change_history(already)] == ["counters"]
    assert [r.action for r in change_history(mine[1])] == ["counters"]
    staff_record = change_history(counter).get()
    assert (staff_record.action, staff_record.before, staff_record.after) == (
        "staff",
        {"staff": []},
        {"staff": [seated.pk]},
    )


def test_counter_page_is_scoped_and_offers_only_the_counter_body_and_subtree(client, supervisor):
    counter = CounterFactory(unit=supervisor.unit)
    outsider_service = SubServiceFactory()
    outsider_staff = StaffFactory()
    inactive = StaffFactory(unit=supervisor.unit, active=False)
    foreign_counter = CounterFactory()
    client.force_login(supervisor.user)

    assert client.get(reverse("catalog:counter_services", args=[foreign_counter.pk])).status_code == 404
    page = client.get(reverse("catalog:counter_services", args=[counter.pk]))
    assert outsider_staff not in page.context["form"].fields["staff"].queryset
    assert inactive not in page.context["form"].fields["staff"].queryset
    response = client.post(
        reverse("catalog:counter_services", args=[counter.pk]),
        {"services": [outsider_service.pk], "staff": [outsider_staff.pk]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"services", "staff"}
    assert not counter.services.exists()
    assert not counter.staff.exists()


def test_counter_list_links_to_assignment_and_sign(client, supervisor):
    counter = CounterFactory(unit=supervisor.unit)
    SubServiceFactory(body=supervisor.unit.body).counters.add(counter)
    CounterFactory()  # elsewhere
    client.force_login(supervisor.user)
    page = client.get(reverse("catalog:counter_list"))
    assert [(c.pk, c.service_count) for c in page.context["counters"]] == [(counter.pk, 1)]
    html = page.content.decode()
    assert reverse("catalog:counter_services", args=[counter.pk]) in html
    assert f"/catalog/counters/{counter.pk}/print/sign.pdf" in html


def test_detail_lists_documents_and_fees_with_grouped_rials(client, supervisor):
    service = SubServiceFactory(body=supervisor.unit.body)
    WorkflowStageFactory(service=service, responsible_unit=supervisor.unit)
    RequiredDocumentFactory(service=service, title="کارت ملی")
    FeeFactory(service=service, amount_rials=1_500_000)
    client.force_login(supervisor.user)
    html = client.get(reverse("catalog:service_detail", args=[service.pk])).content.decode()
    assert "کارت ملی" in html
    assert "۱٬۵۰۰٬۰۰۰" in html
