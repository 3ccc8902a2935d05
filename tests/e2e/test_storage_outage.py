"""GIVEN a portal whose S3 bucket does not answer WHEN a clerk opens a request and then its scan, on
an office screen and on a phone THEN the request's page works, and the scan's link answers a Persian,
right-to-left page saying files cannot be read or kept right now — not a bare server error."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.desk.models import RequestDocument
from tests.core.test_storage import bucket_down  # noqa: F401 - the fixture
from tests.e2e.conftest import PHONE
from tests.factories import registered_request
from tests.i18n import fa

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.e2e
def test_a_clerk_is_told_the_files_are_unavailable_and_the_rest_works(
    page, live_server, clerk, login, shot, no_horizontal_overflow, bucket_down  # noqa: F811
):
    sr = registered_request(clerk=clerk)
    doc = RequestDocument.objects.create(
        request=sr, title="شناسنامه", received=True, content_type="application/pdf", file="request-docs/a.pdf"
    )
    login(page, clerk.user)
    page.goto(live_server.url + reverse("desk:request_detail", args=[sr.pk]))
    expect(page.locator("main")).to_contain_text("شناسنامه")  # the request page, its documents listed

    for size, name in (({"width": 1280, "height": 800}, "storage-outage-desk"), (PHONE, "storage-outage-phone")):
        page.set_viewport_size(size)
        answer = page.goto(live_server.url + reverse("desk:document_file", args=[doc.pk]))
        assert answer.status == 503
        assert page.locator("html").get_attribute("dir") == "rtl"
        expect(page.locator("h1")).to_have_text(fa("Files cannot be read or kept right now."))
        no_horizontal_overflow(page)
        shot(page, name)
