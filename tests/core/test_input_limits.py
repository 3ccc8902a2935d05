"""Bounded input: every free-text field has a maximum length, a request has a maximum size, bad
bytes and oversized input get a clear 400 in Persian, and no page echoes more than it must."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.apps import apps as django_apps
from django.db import models
from django.urls import reverse

import apps
from apps.core import limits
from apps.orgs import roles
from tests.factories import SubServiceFactory, WorkflowStageFactory, staff_user


def _portal_forms():
    seen = set()
    for info in pkgutil.walk_packages(apps.__path__, "apps."):
        if ".migrations" in info.name or ".management" in info.name:
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, forms.BaseForm)
                and obj.__module__.startswith("apps.")
                and obj not in seen
            ):
                seen.add(obj)
                yield obj


def test_every_editable_text_column_has_a_maximum_length():
    unbounded = [
        f"{model.__name__}.{field.name}"
        for model in django_apps.get_models()
        if model.__module__.startswith("apps.")
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and field.editable and field.max_length is None
    ]
    assert unbounded == []


def test_every_text_field_of_every_portal_form_has_a_maximum_length():
    found = list(_portal_forms())
    assert len(found) > 20  # the scan reaches the forms of every app
    unbounded = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in found
        for name, field in form.base_fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert unbounded == []


@pytest.mark.django_db
def test_a_one_megabyte_text_field_gets_a_clear_400(client):
    clerk = staff_user(roles.DESK_CLERK)
    service = SubServiceFactory(body=clerk.unit.body)
    WorkflowStageFactory(service=service, order=1, responsible_unit=clerk.unit)
    client.force_login(clerk.user)
    response = client.post(
        reverse("desk:intake", args=[service.pk]),
        {"national_code": "0499370899", "full_name": "x", "mobile": "09121234567", "incomplete_reason": "ب" * 1_000_000},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "ورودی" in page
    assert len(response.content) < 20_000  # nothing of it is echoed back
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"full_name=%FF%FEabc&mobile=09121234567",  # not UTF-8
        b"full_name=abc%00def",  # a NUL byte, which PostgreSQL refuses
    ],
)
def test_bad_bytes_in_a_form_get_a_clear_400_and_store_nothing(client, body):
    response = client.post(reverse("login"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "نویسه" in response.content.decode()


@pytest.mark.django_db
def test_bad_bytes_in_a_query_get_a_400(client):
    assert client.get("/services/?q=%FF%FE").status_code == 400
    assert client.get("/track/?code=%00").status_code == 400


@pytest.mark.django_db
def test_a_huge_search_is_refused_not_echoed(client):
    response = client.get("/services/", {"q": "ا" * 512_000})
    assert response.status_code == 400
    assert len(response.content) < 20_000


@pytest.mark.django_db
def test_a_long_search_is_cut_and_the_page_stays_small(client):
    response = client.get("/services/", {"q": "ا" * 500})
    assert response.status_code == 200
    assert "ا" * (limits.SEARCH + 1) not in response.content.decode()


@pytest.mark.django_db
def test_a_field_over_its_limit_is_a_form_error_not_a_crash(client):
    clerk = staff_user(roles.DESK_CLERK)
    service = SubServiceFactory(body=clerk.unit.body)
    WorkflowStageFactory(service=service, order=1, responsible_unit=clerk.unit)
    client.force_login(clerk.user)
    response = client.post(
        reverse("desk:intake", args=[service.pk]),
        {"national_code": "0499370899", "full_name": "x", "mobile": "09121234567",
         "incomplete_reason": "ب" * (limits.NOTE + 1)},
    )
    assert response.status_code == 200
    assert "incomplete_reason" in response.context["form"].errors


def test_request_size_limits_are_set():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 2000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 50
