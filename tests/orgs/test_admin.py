"""The admin's users, staff and roles for a Persian administrator: search that ignores the spelling
differences of keyboards (ي/ی, ك/ک, ZWNJ, digits) and roles by their Persian names."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.orgs import roles
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    user = staff_user(roles.ADMINISTRATOR, first_name="مهدی", last_name="صالحی").user  # not a name searched for
    user.is_superuser = True
    user.save()
    client.force_login(user)
    return user


@pytest.fixture
def karimi():
    return staff_user(roles.DESK_CLERK, first_name="یاسمن", last_name="کریمی", personnel_code="4512")


@pytest.fixture
def niknam():
    return staff_user(roles.BODY_SUPERVISOR, first_name="علی", last_name="نیک\u200cنام")


def _found(client, url_name: str, term: str) -> set:
    page = client.get(reverse(url_name), {"q": term})
    assert page.status_code == 200
    return set(page.context["cl"].result_list)


@pytest.mark.parametrize("term", ["كريمي", "کریمی", "ياسمن كريمي", "  کريمی "])
def test_user_search_with_arabic_yeh_and_kaf_finds_the_persian_staff_name(client, administrator, karimi, niknam, term):
    assert _found(client, "admin:auth_user_changelist", term) == {karimi.user}


@pytest.mark.parametrize("term", ["نیکنام", "نيكنام", "نیک\u200cنام", "نيك\u200cنام"])
def test_staff_search_ignores_the_zero_width_non_joiner(client, administrator, karimi, niknam, term):
    assert _found(client, "admin:orgs_staff_changelist", term) == {niknam}


@pytest.mark.parametrize("term", ["۴۵۱۲", "٤٥١٢", "4512"])
def test_staff_and_user_search_ignore_digit_style(client, administrator, karimi, niknam, term):
    assert _found(client, "admin:orgs_staff_changelist", term) == {karimi}
    assert _found(client, "admin:auth_user_changelist", term) == {karimi.user}


def test_every_admin_search_runs_with_a_persian_term(client, administrator):
    # Each search field of each admin is compared folded; none may break on its column type.
    for model, model_admin in admin.site._registry.items():
        if not model_admin.search_fields:
            continue
        opts = model._meta
        page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "كريمي ۱۲"})
        assert page.status_code == 200, opts.label


def test_user_list_has_a_role_column_and_filter_with_the_persian_role_names(client, administrator, karimi, niknam):
    url = reverse("admin:auth_user_changelist")
    page = client.get(url).content.decode()
    assert "نقش‌ها" in page  # the column
    assert "کارشناس میز خدمت" in page
    assert "مدیر سامانه" in page
    assert ">desk_clerk<" not in page
    clerks = client.get(url, {"role": roles.DESK_CLERK}).context["cl"].result_list
    assert set(clerks) == {karimi.user}
    # Superusers are administrators whether or not they are in the group.
    assert set(client.get(url, {"role": roles.ADMINISTRATOR}).context["cl"].result_list) == {administrator}


def test_user_list_reads_the_roles_in_one_query(client, administrator, django_assert_max_num_queries):
    for _ in range(10):
        staff_user(roles.DESK_CLERK)
    client.get(reverse("admin:auth_user_changelist"))
    with django_assert_max_num_queries(12):
        client.get(reverse("admin:auth_user_changelist"))


def test_user_form_offers_the_roles_by_their_persian_names(client, administrator, karimi):
    page = client.get(reverse("admin:auth_user_change", args=[karimi.user.pk])).content.decode()
    clerk = Group.objects.get(name=roles.DESK_CLERK)
    assert f'<option value="{clerk.pk}" selected>کارشناس میز خدمت</option>' in page
    assert ">desk_clerk<" not in page


def test_role_groups_are_listed_by_their_persian_names_and_their_codes_stay_fixed(client, administrator, karimi):
    page = client.get(reverse("admin:auth_group_changelist")).content.decode()
    assert "کارشناس میز خدمت" in page
    clerk = Group.objects.get(name=roles.DESK_CLERK)
    change = client.get(reverse("admin:auth_group_change", args=[clerk.pk])).content.decode()
    assert "کارشناس میز خدمت" in change
    assert 'name="name"' not in change


def test_staff_form_normalises_names_on_save(client, administrator, karimi):
    url = reverse("admin:orgs_staff_change", args=[karimi.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"first_name": "ياسمين", "last_name": "كريمي", "personnel_code": "۴۵۱۳", "active": "on",
                 "unit": karimi.unit_id, "user": karimi.user_id, "body": data.get("body") or ""})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    karimi.refresh_from_db()
    assert (karimi.first_name, karimi.last_name, karimi.personnel_code) == ("یاسمین", "کریمی", "4513")
