"""Staff QR codes (SPEC §5.2): issuing, reissuing, scoping, and the printed cards, sign and poster.

The printed cards are checked the way a citizen uses them: every code on the sheet is read back by a
barcode reader from the rendered pages, and the URL it holds opens that employee's rating page.
"""

import base64
import io
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from apps.core.models import ChangeRecord, FileJob
from apps.feedback import qr, services
from apps.feedback.models import StaffQRCode
from tests.factories import (
    BodyFactory,
    DepartmentFactory,
    OrgUnitFactory,
    StaffFactory,
    StaffRatingFactory,
)
from tests.i18n import fa as _fa
from tests.pdf_utils import keep_pdf, pdf_info, pdf_page_size_mm, pdf_text, reads

pytestmark = pytest.mark.django_db

SURNAMES = [
    "احمدی",
    "محمدی",
    "کریمی",
    "رضایی",
    "حسینی",
    "موسوی",
    "جعفری",
    "صادقی",
    "قاسمی",
    "نوری",
    "یزدانی",
    "طاهری",
]


@pytest.fixture
def unit(db):
    """A provincial unit of a real-looking body (overrides conftest's), with names a reader can check."""
    ministry = BodyFactory(name_fa="وزارت راه و شهرسازی")
    body = BodyFactory(name_fa="اداره کل راه و شهرسازی استان مازندران", parent=ministry)
    return OrgUnitFactory(name="اداره کل راه و شهرسازی مازندران", body=body)


@pytest.fixture
def staffed_unit(unit):
    """Twelve active employees in the unit and a department under it (two sheets of cards), one
    inactive employee, and one employee of another unit."""
    department = DepartmentFactory(parent=unit, name="اداره پاسخگویی")
    members = [
        StaffFactory(
            unit=unit if n < 7 else department, first_name="کارمند", last_name=surname, post="کارشناس پذیرش"
        )
        for n, surname in enumerate(SURNAMES)
    ]
    inactive = StaffFactory(unit=unit, first_name="بازنشسته", last_name="قدیمی", active=False)
    stranger = StaffFactory(unit=OrgUnitFactory(), first_name="غریبه", last_name="دیگر")
    return {
        "unit": unit,
        "department": department,
        "members": members,
        "inactive": inactive,
        "stranger": stranger,
    }


def _decode_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    """Every QR code on every page, read by zxing-cpp from the pages rendered at 150 dpi."""
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-", str(prefix)], input=pdf, check=True, timeout=120)  # noqa: S603, S607
    texts = []
    for page in sorted(tmp_path.glob("page-*.png")):
        texts += [result.text for result in zxingcpp.read_barcodes(Image.open(page))]
    return texts


def _cards(client, data, capture):
    """Ask for a card sheet as the list's buttons do; the job runs on commit (inline in tests) and the
    answer is the progress page, from which the PDF is downloaded."""
    with capture(execute=True):
        response = client.post(reverse("feedback:qr_cards_pdf"), data)
    if response.status_code != 302 or "/jobs/" not in response["Location"]:
        return response
    job = FileJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert job.state == FileJob.State.DONE, job.message
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert reverse("core:file_job_file", args=[job.pk]) in page.content.decode()
    return client.get(reverse("core:file_job_file", args=[job.pk]))


def test_every_card_of_a_unit_opens_that_employees_rating_page(
    client, clerk, staffed_unit, tmp_path, django_capture_on_commit_callbacks
):
    """GIVEN a unit of thirteen active employees (the clerk, and some in a department below it) WHEN
    the clerk issues the unit's codes and prints its cards THEN the PDF holds one readable code per
    active employee, each opening the rating page with that employee's name, and nobody else's."""
    client.force_login(clerk.user)
    unit = staffed_unit["unit"]
    response = client.post(reverse("feedback:qr_issue_unit"), {"unit": unit.pk})
    assert response.status_code == 302

    response = _cards(client, {"unit": unit.pk}, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    keep_pdf(pdf, "qr-cards")
    assert pdf_page_size_mm(pdf) == (210, 297)
    assert pdf_info(pdf)["Pages"] == "2"  # ten cards a sheet

    decoded = _decode_pages(pdf, tmp_path)
    assert len(decoded) == 13
    live = {
        code.token: code.staff
        for code in StaffQRCode.objects.filter(
            revoked_at__isnull=True, staff__active=True, staff__unit__path__startswith=unit.path
        ).select_related("staff")
    }
    assert {s.pk for s in live.values()} == {clerk.pk, *(m.pk for m in staffed_unit["members"])}
    tokens = set()
    citizen = Client()
    for url in decoded:
        assert url.startswith(settings.SITE_URL + "/q/")
        path = urlsplit(url).path
        token = path.removeprefix("/q/")
        tokens.add(token)
        page = citizen.get(path)
        assert page.status_code == 200
        assert live[token].full_name in page.content.decode()
    assert tokens == set(live)
    text = pdf_text(pdf)
    assert reads(text, "کارمند احمدی")
    assert reads(text, "کارشناس پذیرش")
    assert not reads(text, "غریبه")


def test_cards_of_ticked_employees_and_the_limit_of_one_print_run(
    client, clerk, staffed_unit, settings, django_capture_on_commit_callbacks
):
    first, second, *_ = staffed_unit["members"]
    client.force_login(clerk.user)
    client.post(reverse("feedback:qr_issue"), {"staff": [first.pk, second.pk]})
    assert StaffQRCode.objects.filter(revoked_at__isnull=True).count() == 2
    # POSTed from the list's checkboxes.
    response = _cards(client, {"staff": [first.pk, second.pk]}, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    text = pdf_text(b"".join(response.streaming_content))
    assert reads(text, first.full_name)
    assert reads(text, second.full_name)
    # Nobody with a code among those asked for: back to the list with a word on what to do.
    response = _cards(client, {"staff": [staffed_unit["members"][5].pk]}, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert FileJob.objects.count() == 1  # the first sheet's; none started for nobody


def test_issuing_is_idempotent(clerk, staffed_unit):
    member = staffed_unit["members"][0]
    code = services.staff_qr_issue(staff=member, by=clerk)
    assert services.staff_qr_issue(staff=member, by=clerk) == code
    assert ChangeRecord.objects.filter(action="qr_issued", object_id=str(member.pk)).count() == 1

    codes = services.staff_qr_issue_unit(unit=staffed_unit["unit"], by=clerk)
    # Twelve and the clerk; the inactive employee gets none; the code issued before is kept.
    assert len(codes) == 13
    assert code in codes
    again = services.staff_qr_issue_unit(unit=staffed_unit["unit"], by=clerk)
    assert {c.token for c in again} == {c.token for c in codes}
    assert StaffQRCode.objects.count() == 13
    assert not StaffQRCode.objects.filter(staff=staffed_unit["inactive"]).exists()
    # One entry on the unit for the twelve issued in bulk, none for the run that changed nothing.
    unit_records = ChangeRecord.objects.filter(action="qr_issued", object_id=str(staffed_unit["unit"].pk))
    assert unit_records.count() == 1
    assert len(unit_records.get().after["staff"]) == 12


def test_issuing_a_unit_is_a_fixed_number_of_queries(clerk, unit, django_assert_max_num_queries):
    StaffFactory.create_batch(60, unit=unit)
    with django_assert_max_num_queries(12):
        codes = services.staff_qr_issue_unit(unit=unit, by=clerk)
    assert len(codes) == 61  # and the clerk


def _reads_back(png: bytes) -> str:
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L").resize((300, 300)))
    return result.text


def test_issued_codes_get_their_card_pictures_and_a_sheet_draws_none_again(
    clerk, unit, monkeypatch, django_capture_on_commit_callbacks
):
    """Choosing a code's mask pattern costs more than laying its card out: the picture is drawn once,
    in the background after issue, kept on the code's row, and the card sheet only lays it out."""
    StaffFactory.create_batch(3, unit=unit)
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_qr_issue_unit(unit=unit, by=clerk)
    codes = list(StaffQRCode.objects.all())
    assert len(codes) == 4
    for code in codes:
        assert code.card_url == qr.rating_url(code.token)
        assert _reads_back(bytes(code.card_png)) == code.card_url

    drawn = []
    monkeypatch.setattr(qr, "qr_png", lambda data, **kw: drawn.append(data) or b"")
    images = qr.qr_card_images(codes)
    assert drawn == []
    assert images == {c.token: "data:image/png;base64," + base64.b64encode(bytes(c.card_png)).decode() for c in codes}


def test_a_single_issue_and_a_reissue_draw_the_new_picture(clerk, staffed_unit, django_capture_on_commit_callbacks):
    member = staffed_unit["members"][0]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.staff_qr_issue(staff=member, by=clerk)
    first.refresh_from_db()
    assert _reads_back(bytes(first.card_png)) == qr.rating_url(first.token)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.staff_qr_reissue(staff=member, by=clerk)
    second.refresh_from_db()
    assert second.token != first.token
    assert _reads_back(bytes(second.card_png)) == qr.rating_url(second.token)


def test_a_missing_or_outdated_picture_is_drawn_by_the_sheet_and_kept(clerk, staffed_unit, settings):
    """Codes issued before pictures were kept, a lost background task, or a site that moved to a new
    address: the card sheet draws the picture of what the card must hold and keeps it."""
    old, new = services.staff_qr_issue_many(staff=staffed_unit["members"][:2], by=clerk)  # no commit: not drawn
    assert old.card_png == b""
    assert new.card_png == b""
    qr.qr_card_images([old])
    old.refresh_from_db()
    assert _reads_back(bytes(old.card_png)) == qr.rating_url(old.token)

    settings.SITE_URL = "https://khedmat.example.ir"
    images = qr.qr_card_images([old, new])
    for code in (old, new):
        code.refresh_from_db()
        assert code.card_url == f"https://khedmat.example.ir/q/{code.token}"
        assert _reads_back(bytes(code.card_png)) == code.card_url
        assert images[code.token].endswith(base64.b64encode(bytes(code.card_png)).decode())


def test_reissue_revokes_the_old_card(client, clerk, staffed_unit):
    member = staffed_unit["members"][0]
    old = services.staff_qr_issue(staff=member, by=clerk)
    client.force_login(clerk.user)
    confirm = client.get(reverse("feedback:qr_reissue", args=[member.pk]))
    assert confirm.status_code == 200
    assert member.full_name in confirm.content.decode()
    assert client.post(reverse("feedback:qr_reissue", args=[member.pk])).status_code == 302

    old.refresh_from_db()
    new = StaffQRCode.objects.get(staff=member, revoked_at__isnull=True)
    assert old.revoked_at is not None
    assert new.token != old.token
    citizen = Client()
    gone = citizen.get(reverse("rate", args=[old.token]))
    assert gone.status_code == 404
    assert _fa("This card is no longer valid.") in gone.content.decode()
    assert member.full_name not in gone.content.decode()
    page = citizen.get(reverse("rate", args=[new.token]))
    assert page.status_code == 200
    assert member.full_name in page.content.decode()
    assert ChangeRecord.objects.filter(action="qr_reissued", object_id=str(member.pk)).exists()


def test_revoke_withdraws_a_leavers_card_and_issues_no_new_one(client, clerk, staffed_unit):
    """
    GIVEN an employee who is leaving, with a live card, and the QR list showing a "Revoke" link for them
    WHEN the clerk confirms "Revoke the card"
    THEN the card stops working, no new code is issued, the change is recorded, and the list shows
      the employee without a code
    """
    member = staffed_unit["members"][0]
    code = services.staff_qr_issue(staff=member, by=clerk)
    client.force_login(clerk.user)
    listing = client.get(reverse("feedback:qr_list"))
    revoke = reverse("feedback:qr_revoke", args=[member.pk])
    assert f'href="{revoke}?next=' in listing.content.decode()
    with translation.override("fa"):
        confirm = client.get(revoke)
    assert confirm.status_code == 200
    assert member.full_name in confirm.content.decode()
    assert _fa("Revoke the card") in confirm.content.decode()

    response = client.post(revoke, {"next": reverse("feedback:qr_list")})

    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:qr_list")
    code.refresh_from_db()
    assert code.revoked_at is not None
    assert not StaffQRCode.objects.filter(staff=member, revoked_at__isnull=True).exists()
    gone = Client().get(reverse("rate", args=[code.token]))
    assert gone.status_code == 404
    assert _fa("This card is no longer valid.") in gone.content.decode()
    record = ChangeRecord.objects.get(action="qr_revoked", object_id=str(member.pk))
    assert (record.before, record.after, record.actor) == (
        {"qr_code": code.pk},
        {"qr_code": None},
        clerk.user,
    )
    rows = {m.pk: m for m in client.get(reverse("feedback:qr_list")).context["members"]}
    assert rows[member.pk].live_code is None


def test_revoking_twice_or_an_inactive_employees_card_is_harmless(client, clerk, staffed_unit):
    leaver = staffed_unit["inactive"]
    code = StaffQRCode.objects.create(staff=leaver, token="leaver-token")  # issued before they left
    client.force_login(clerk.user)
    assert client.post(reverse("feedback:qr_revoke", args=[leaver.pk])).status_code == 302
    code.refresh_from_db()
    assert code.revoked_at is not None
    assert services.staff_qr_revoke(staff=leaver, by=clerk) is None
    assert client.get(reverse("feedback:qr_revoke", args=[leaver.pk])).status_code == 302
    assert ChangeRecord.objects.filter(action="qr_revoked").count() == 1


def test_an_officer_cannot_revoke_and_another_provinces_card_is_not_found(
    client, clerk, officer, staffed_unit
):
    member, stranger = staffed_unit["members"][0], staffed_unit["stranger"]
    services.staff_qr_issue(staff=member, by=clerk)
    services.staff_qr_issue(staff=stranger, by=None)
    client.force_login(officer.user)
    assert client.post(reverse("feedback:qr_revoke", args=[member.pk])).status_code == 403
    client.force_login(clerk.user)
    assert client.post(reverse("feedback:qr_revoke", args=[stranger.pk])).status_code == 404
    assert StaffQRCode.objects.filter(revoked_at__isnull=True).count() == 2


def test_unknown_tokens_and_inactive_employees_get_the_friendly_page(client, clerk, staffed_unit):
    code = services.staff_qr_issue(staff=staffed_unit["members"][0], by=clerk)
    assert client.get("/q/not-a-token").status_code == 404
    code.staff.active = False
    code.staff.save()
    page = client.get(f"/q/{code.token}")
    assert page.status_code == 404
    assert _fa("This card is no longer valid.") in page.content.decode()


def test_tokens_are_short_opaque_and_say_nothing_of_the_employee(clerk, unit):
    member = StaffFactory(pk=987654, unit=unit, personnel_code="55501")
    code = services.staff_qr_issue(staff=member, by=clerk)
    url = qr.rating_url(code.token)
    assert url == f"{settings.SITE_URL}/q/{code.token}"
    assert len(code.token) == 12
    assert code.token.replace("-", "").replace("_", "").isalnum()
    assert "987654" not in url
    assert "55501" not in url
    other = services.staff_qr_issue(staff=StaffFactory(pk=987655, unit=unit), by=clerk)
    assert other.token[:6] != code.token[:6]  # random, not a sequence


def test_staff_of_another_province_are_out_of_reach(client, clerk, staffed_unit):
    stranger = staffed_unit["stranger"]
    services.staff_qr_issue(staff=stranger, by=None)
    client.force_login(clerk.user)
    assert client.get(reverse("feedback:qr_reissue", args=[stranger.pk])).status_code == 404
    assert client.post(reverse("feedback:qr_reissue", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("feedback:qr_sign_pdf", args=[stranger.pk])).status_code == 404
    assert client.post(reverse("feedback:qr_issue_unit"), {"unit": stranger.unit_id}).status_code == 404
    assert client.post(reverse("feedback:qr_cards_pdf"), {"unit": stranger.unit_id}).status_code == 404
    assert client.get(reverse("feedback:staff_ratings", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("feedback:qr_poster_pdf"), {"body": stranger.body_id}).status_code == 404
    # Ticking someone out of scope issues nothing.
    client.post(reverse("feedback:qr_issue"), {"staff": [stranger.pk]})
    assert StaffQRCode.objects.filter(staff=stranger).count() == 1
    page = client.get(reverse("feedback:qr_list"))
    assert stranger.full_name not in page.content.decode()


def test_a_clerk_may_issue_an_officer_may_not(client, clerk, officer, staffed_unit):
    member = staffed_unit["members"][0]
    client.force_login(officer.user)
    assert client.get(reverse("feedback:qr_list")).status_code == 403
    assert client.post(reverse("feedback:qr_issue"), {"staff": [member.pk]}).status_code == 403
    assert client.post(reverse("feedback:qr_issue_unit"), {"unit": member.unit_id}).status_code == 403
    assert client.post(reverse("feedback:qr_cards_pdf"), {"unit": member.unit_id}).status_code == 403
    assert not StaffQRCode.objects.exists()

    client.force_login(clerk.user)
    assert client.post(reverse("feedback:qr_issue"), {"staff": [member.pk]}).status_code == 302
    assert StaffQRCode.objects.filter(staff=member, revoked_at__isnull=True).exists()


def test_the_list_shows_each_employees_code_state(client, clerk, staffed_unit, django_assert_max_num_queries):
    with_code, without = staffed_unit["members"][:2]
    services.staff_qr_issue(staff=with_code, by=clerk)
    client.force_login(clerk.user)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("feedback:qr_list"), {"unit": staffed_unit["unit"].pk})
    assert page.status_code == 200
    rows = {m.pk: m for m in page.context["members"]}
    assert rows[with_code.pk].live_code is not None
    assert rows[without.pk].live_code is None
    assert page.context["without_code"] == 12  # thirteen active with the clerk, one has a code


def test_the_desk_sign_carries_a_large_readable_code(client, clerk, staffed_unit, tmp_path):
    member = staffed_unit["members"][0]
    code = services.staff_qr_issue(staff=member, by=clerk)
    client.force_login(clerk.user)
    response = client.get(reverse("feedback:qr_sign_pdf", args=[member.pk]))
    assert response.status_code == 200
    keep_pdf(response.content, "qr-sign")
    assert pdf_page_size_mm(response.content) == (148, 210)
    assert reads(pdf_text(response.content), member.full_name)
    assert _decode_pages(response.content, tmp_path) == [qr.rating_url(code.token)]
    a4 = client.get(reverse("feedback:qr_sign_pdf", args=[member.pk]), {"size": "a4"})
    assert pdf_page_size_mm(a4.content) == (210, 297)
    assert pdf_info(a4.content)["Pages"] == "1"


def test_the_poster_names_the_body_and_its_steps(client, clerk, unit):
    client.force_login(clerk.user)
    response = client.get(reverse("feedback:qr_poster_pdf"))  # the clerk's own body by default
    assert response.status_code == 200
    keep_pdf(response.content, "qr-poster")
    text = pdf_text(response.content)
    assert pdf_info(response.content)["Pages"] == "1"
    assert reads(text, "راهنمای مشارکت در ارزیابی کارکنان")
    assert reads(text, unit.body.name_fa)
    assert reads(text, "کد را با دوربین گوشی اسکن کنید")


def test_the_photo_is_served_through_the_token_only(client, clerk, unit, settings):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "#0b5a73").save(buffer, format="JPEG")
    member = StaffFactory(
        unit=unit, photo=SimpleUploadedFile("face.jpg", buffer.getvalue(), content_type="image/jpeg")
    )
    code = services.staff_qr_issue(staff=member, by=clerk)
    page = client.get(reverse("rate", args=[code.token]))
    assert reverse("rate_photo", args=[code.token]) in page.content.decode()
    assert settings.MEDIA_URL not in page.content.decode()
    photo = client.get(reverse("rate_photo", args=[code.token]))
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    services.staff_qr_reissue(staff=member, by=clerk)
    assert client.get(reverse("rate_photo", args=[code.token])).status_code == 404


@pytest.mark.parametrize("model_name", ["staffqrcode", "staffrating"])
def test_the_admin_shows_codes_and_ratings_of_the_users_units_only(client, clerk, staffed_unit, model_name):
    mine = services.staff_qr_issue(staff=staffed_unit["members"][0], by=clerk)
    theirs = services.staff_qr_issue(staff=staffed_unit["stranger"], by=None)
    if model_name == "staffrating":
        mine, theirs = StaffRatingFactory(code=mine), StaffRatingFactory(code=theirs)
    clerk.user.is_staff = True
    clerk.user.save()
    clerk.user.user_permissions.add(Permission.objects.get(codename=f"view_{model_name}"))
    client.force_login(clerk.user)
    change = lambda obj: reverse(f"admin:feedback_{model_name}_change", args=[obj.pk])  # noqa: E731
    assert client.get(change(theirs)).status_code == 404
    assert client.get(change(mine)).status_code == 200
    listing = client.get(reverse(f"admin:feedback_{model_name}_changelist"))
    assert {obj.pk for obj in listing.context["cl"].result_list} == {mine.pk}
