"""Portal forms: typed input is normalised before cleaning; Jalali and identifier fields."""

import datetime as dt

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import translation
from django.utils.functional import Promise

from apps.core.forms import (
    JalaliDateField,
    LegalIdField,
    MobileField,
    NationalCodeField,
    NumericInput,
    PortalForm,
    PortalModelForm,
)
from apps.core.text import ZWNJ


class ApplicantForm(PortalForm):
    full_name = forms.CharField()
    national_code = NationalCodeField(required=False)
    company_id = LegalIdField(required=False)
    mobile = MobileField(required=False)
    born_on = JalaliDateField(required=False)
    password = forms.CharField(widget=forms.PasswordInput, required=False)
    tags = forms.MultipleChoiceField(choices=[("کار", "کار"), ("کیفیت", "کیفیت")], required=False)
    attachment = forms.FileField(required=False)


def _valid(data, files=None, **kwargs) -> ApplicantForm:
    form = ApplicantForm(data, files, **kwargs)
    assert form.is_valid(), form.errors
    return form


def test_arabic_letters_are_normalised_and_identifiers_get_ascii_digits_before_cleaning():
    form = _valid({"full_name": "علي كريمي", "national_code": "۰۴۹۹۳۷۰۸۹۹", "mobile": "۰۹۱۲۱۲۳۴۵۶۷"})
    assert form.cleaned_data["full_name"] == "علی کریمی"
    assert form.cleaned_data["national_code"] == "0499370899"
    assert form.cleaned_data["mobile"] == "09121234567"


class NoticeForm(PortalForm):
    subject = forms.CharField()
    body = forms.CharField(widget=forms.Textarea)
    reference = forms.CharField(widget=NumericInput)
    account = forms.CharField(widget=forms.TextInput(attrs={"dir": "ltr"}))
    link = forms.URLField(assume_scheme="https")
    next = forms.CharField(widget=forms.HiddenInput)


def test_free_text_keeps_the_digits_as_typed_and_codes_get_ascii_digits():
    """Free text (a plain text box in the page's right-to-left direction) is stored as written, Persian
    digits included; Arabic-keyboard letters and digits become Persian. Codes typed in left-to-right
    boxes, URLs and hidden values get ASCII digits, as identifiers always have."""
    form = NoticeForm(
        {
            "subject": "بند ۳ ماده 5 قانون بودجه ١٤٠٥",
            "body": "نشانی: خیابان ۱۲\u200fفروردين، پلاک ۴",
            "reference": "۱۱۰۱۰",
            "account": "IR۸۲۰۱۷۰۰۰۰۰۰۰۱۲۳۴۵۶۷۸۹۰۱۲",
            "link": "https://example.ir/۱۲",
            "next": "/catalog/?page=۲",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["subject"] == "بند ۳ ماده 5 قانون بودجه ۱۴۰۵"
    assert form.cleaned_data["body"] == "نشانی: خیابان ۱۲فروردین، پلاک ۴"
    assert form.cleaned_data["reference"] == "11010"
    assert form.cleaned_data["account"] == "IR820170000000123456789012"
    assert form.cleaned_data["link"] == "https://example.ir/12"
    assert form.cleaned_data["next"] == "/catalog/?page=2"


def test_bidi_marks_and_tatweel_are_removed_but_zwnj_is_kept():
    form = _valid({"full_name": f"\u200fمـــهر{ZWNJ}آفرین\u200e"})
    assert form.cleaned_data["full_name"] == f"مهر{ZWNJ}آفرین"


def test_password_is_passed_to_the_field_exactly_as_typed():
    password = " يك۱٢\u200fـ "
    form = _valid({"full_name": "x", "password": password})
    assert form.cleaned_data["password"] == password.strip()  # CharField's own strip, nothing more
    assert "ي" in form.cleaned_data["password"]
    assert "۱" in form.cleaned_data["password"]


def test_every_value_of_a_multi_valued_querydict_key_is_normalised():
    data = QueryDict(mutable=True)
    data["full_name"] = "x"
    data.setlist("tags", ["كار", "كيفيت"])
    form = _valid(data)
    assert form.cleaned_data["tags"] == ["کار", "کیفیت"]


def test_the_submitted_querydict_itself_is_not_changed():
    data = QueryDict("full_name=%D8%B9%D9%84%D9%8A")  # علي, immutable like request.POST
    _valid(data)
    assert data["full_name"] == "علي"


def test_uploaded_files_are_left_alone():
    upload = SimpleUploadedFile("نامه_۱.pdf", b"%PDF-1.4", content_type="application/pdf")
    form = _valid({"full_name": "x"}, {"attachment": upload})
    assert form.cleaned_data["attachment"].name == "نامه_۱.pdf"


def test_prefixed_form_normalises_its_fields_and_still_spares_its_password():
    form = _valid({"a-full_name": "علي", "a-password": "علي"}, prefix="a")
    assert form.cleaned_data["full_name"] == "علی"
    assert form.cleaned_data["password"] == "علي"


def test_password_field_added_after_init_is_still_spared():
    class SignupForm(PortalForm):
        username = forms.CharField()

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["secret"] = forms.CharField(widget=forms.PasswordInput)

    form = SignupForm({"username": "علي", "secret": "علي"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"username": "علی", "secret": "علي"}


def test_unbound_form_has_nothing_to_normalise():
    form = ApplicantForm(initial={"full_name": "علي"})
    assert not form.is_bound
    assert not form.is_valid()


@pytest.mark.django_db
def test_model_form_normalises_before_the_model_instance_is_built():
    class GroupForm(PortalModelForm):
        class Meta:
            model = Group
            fields = ["name"]

    form = GroupForm({"name": "كارشناس ميز خدمت"})
    assert form.is_valid(), form.errors
    assert form.save(commit=False).name == "کارشناس میز خدمت"


@pytest.mark.parametrize("typed", ["1405/09/01", "۱۴۰۵/۰۹/۰۱", "1405-9-1", "\u200e1405.09.01"])
def test_jalali_date_field_cleans_to_the_gregorian_date(typed):
    assert _valid({"full_name": "x", "born_on": typed}).cleaned_data["born_on"] == dt.date(2026, 11, 22)


def test_jalali_date_field_cleans_without_the_mixin_too():
    assert JalaliDateField().clean("۱۴۰۵/۰۹/۰۱") == dt.date(2026, 11, 22)


def test_jalali_date_field_left_empty_is_none():
    assert _valid({"full_name": "x", "born_on": ""}).cleaned_data["born_on"] is None


@pytest.mark.parametrize("typed", ["1405/12/30", "1405/13/01", "فردا", "2026-11-22"])
def test_jalali_date_field_refuses_an_impossible_date_with_a_clear_message(typed):
    with translation.override("en"):
        form = ApplicantForm({"full_name": "x", "born_on": typed})
        assert form.errors["born_on"] == ["Enter a valid Jalali date such as 1405/09/01."]


def test_jalali_date_field_shows_its_gregorian_initial_as_jalali_in_the_page_digits():
    form = ApplicantForm(initial={"born_on": dt.date(2026, 11, 22)})
    with translation.override("fa"):
        assert 'value="۱۴۰۵/۰۹/۰۱"' in str(form["born_on"])
    with translation.override("en"):
        assert 'value="1405/09/01"' in str(form["born_on"])


def test_jalali_date_field_round_trips_what_it_renders():
    form = ApplicantForm(initial={"born_on": dt.date(2026, 11, 22)})
    with translation.override("fa"):
        shown = form["born_on"].value()
    assert _valid({"full_name": "x", "born_on": shown}).cleaned_data["born_on"] == dt.date(2026, 11, 22)


def test_bound_jalali_date_is_shown_tidied_and_a_bad_one_is_shown_as_typed():
    with translation.override("fa"):
        good = ApplicantForm({"full_name": "x", "born_on": "1405-9-1"})
        bad = ApplicantForm({"full_name": "x", "born_on": "1405/13/01"})
        assert 'value="۱۴۰۵/۰۹/۰۱"' in str(good["born_on"])
        assert 'value="1405/13/01"' in str(bad["born_on"])


def test_unchanged_jalali_date_is_not_reported_as_changed():
    form = ApplicantForm(
        {"full_name": "x", "born_on": "۱۴۰۵/۰۹/۰۱"}, initial={"born_on": dt.date(2026, 11, 22)}
    )
    assert "born_on" not in form.changed_data


def test_numeric_widgets_ask_phones_for_a_keypad_and_stay_left_to_right():
    html = str(ApplicantForm()["national_code"])
    for attr in ('inputmode="numeric"', 'dir="ltr"', 'autocomplete="off"', 'type="text"'):
        assert attr in html
    assert 'inputmode="numeric"' in str(ApplicantForm()["born_on"])
    mobile = str(ApplicantForm()["mobile"])
    assert 'type="tel"' in mobile
    assert 'dir="ltr"' in mobile


def test_widget_attrs_given_by_a_form_override_the_defaults():
    field = NationalCodeField(widget=NationalCodeField.widget(attrs={"autocomplete": "username"}))
    assert field.widget.attrs["autocomplete"] == "username"
    assert field.widget.attrs["inputmode"] == "numeric"


def test_national_code_field_reports_a_bad_code_in_english():
    with translation.override("en"):
        form = ApplicantForm({"full_name": "x", "national_code": "0499370898"})
        assert form.errors["national_code"] == ["This national code is not valid; check the digits."]


def test_national_code_field_error_is_a_translatable_string():
    with pytest.raises(ValidationError) as raised:
        NationalCodeField().clean("0499370898")
    # Lazy, so it is rendered in the language of the page that shows it, not of the code that raised it.
    assert isinstance(raised.value.message, Promise)


def test_identifier_fields_report_wrong_length_and_bad_mobile():
    with translation.override("en"):
        form = ApplicantForm(
            {"full_name": "x", "national_code": "12345", "company_id": "1038028479", "mobile": "0912abc4567"}
        )
        assert form.errors["national_code"] == ["A national code has 10 digits."]
        assert form.errors["company_id"] == ["A legal entity's national ID has 11 digits."]
        assert form.errors["mobile"] == ["Enter a mobile number such as 09121234567."]


def test_identifier_fields_return_the_stored_form():
    form = _valid(
        {
            "full_name": "x",
            "national_code": "11537027",
            "company_id": "۱۰۳۸۰۲۸۴۷۹۰",
            "mobile": "+989121234567",
        }
    )
    assert form.cleaned_data["national_code"] == "0011537027"
    assert form.cleaned_data["company_id"] == "10380284790"
    assert form.cleaned_data["mobile"] == "09121234567"


def test_required_identifier_field_left_empty_gets_the_required_message():
    with pytest.raises(ValidationError) as raised:
        NationalCodeField().clean("")
    assert raised.value.code == "required"
