"""GIVEN a full first page of the catalog, a request in progress and an employee's QR card
WHEN a citizen on a 360 px phone opens /services/, /track/?code=… and /q/<token>
THEN each page costs under 60 KB on a first visit (the page, its stylesheets, the fonts it draws
with, anything else it loads) and under 15 KB on a second one, counted as the portal serves them.

Counted as served in production: the page as the portal gzips it (measured on the wire), static files
as WhiteNoise sends them from `collectstatic` — gzip at level 9 where that saves at least 5 %, as is
(woff2, png) otherwise — and every response's headers. Brotli, which WhiteNoise prefers when the
browser takes it, is smaller still: gzip is the bound. On a second visit static files come from the
browser's cache (hashed names, far-future `immutable`), so only the page itself is fetched again.

`pytest -s tests/e2e/test_page_weight.py` prints what each page loads (README, Performance)."""

import gzip
import io
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from whitenoise.compress import Compressor

from apps.feedback import services as feedback_services
from tests.e2e.conftest import PHONE
from tests.factories import (
    BodyFactory,
    OrgUnitFactory,
    StaffFactory,
    SubServiceFactory,
    registered_request,
)

# Holidays and provinces come from data migrations, which a transactional test's flush would erase.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FIRST_VISIT_MAX = 60 * 1024
SECOND_VISIT_MAX = 15 * 1024
WAIT = 20_000  # ms; two cores shared with other test runs


@pytest.fixture
def pages(db):
    bodies = [
        BodyFactory(name_fa="اداره کل ثبت اسناد و املاک استان مازندران"),
        BodyFactory(name_fa="اداره کل راه و شهرسازی استان مازندران"),
        BodyFactory(name_fa="اداره کل امور مالیاتی استان مازندران"),
    ]
    # More than a page of services (25 a page): the catalog's first page is as heavy as it gets.
    for n in range(30):
        SubServiceFactory(
            body=bodies[n % 3], title=f"صدور گواهی و استعلام وضعیت پرونده‌های ثبتی شماره {n}", channel="hybrid"
        )
    unit = OrgUnitFactory(name="اداره ثبت اسناد و املاک ساری", body=bodies[0])
    sr = registered_request(unit=unit, stages=4)
    card = feedback_services.staff_qr_issue(
        staff=StaffFactory(
            unit=unit, first_name="سیدمحمدرضا", last_name="میرحسینی‌نژاد", post="کارشناس مسئول"
        ),
        by=None,
    )
    return {"services": "/services/", "track": f"/track/?code={sr.tracking_code}", "rate": f"/q/{card.token}"}


def _raw_size(name: str) -> int:
    return Path(finders.find(name)).stat().st_size


def _as_served(name: str) -> int:
    """Bytes of a static file's body as WhiteNoise sends it after collectstatic: gzipped by its
    compressor where that is worth it (it skips woff2 and images, and keeps a copy only when it
    saves 5 %)."""
    data = Path(finders.find(name)).read_bytes()
    if Compressor(quiet=True).should_compress(name):
        squeezed = Compressor.compress_gzip(data)
        if len(squeezed) <= 0.95 * len(data):
            return len(squeezed)
    return len(data)


def _weigh(page, url: str) -> tuple[tuple[str, int], list[tuple[str, int]]]:
    """Loads `url` with an empty cache: returns the page (address, bytes on the wire) and the static
    files it fetched (name, bytes as served in production)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls, received = {}, {}
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url, wait_until="networkidle")
    faces = page.evaluate(
        """document.fonts.ready.then(() =>
            [...document.fonts].filter(f => f.family.includes("Vazirmatn") && f.status === "loaded").length)"""
    )
    assert faces == 2, f"{url}: {faces} Vazirmatn faces drew the page, not the regular and the bold"
    cdp.detach()

    documents, statics = [], []
    for request_id, address in urls.items():
        wire = received[request_id]
        path = unquote(urlsplit(address).path)
        if path.startswith(settings.STATIC_URL):
            # The test server sends static files raw: the rest of what it sent is headers.
            name = path.removeprefix(settings.STATIC_URL)
            statics.append((name, wire - _raw_size(name) + _as_served(name)))
        else:
            documents.append((path + ("?…" if urlsplit(address).query else ""), wire))
    assert len(documents) == 1, f"{url} fetched more than itself outside {settings.STATIC_URL}: {documents}"
    return documents[0], statics


def test_public_pages_are_light_on_a_phone(page, live_server, pages):
    page.set_default_timeout(WAIT)
    page.set_viewport_size(PHONE)
    report, failures = [], []
    for name, path in pages.items():
        document, statics = _weigh(page, f"{live_server.url}{path}")
        first = document[1] + sum(n for _what, n in statics)
        second = document[1]
        report.append(f"{name:9} first visit {first:7,} B   second visit {second:6,} B")
        report += [f"    {what:48} {n:7,} B" for what, n in [document, *statics]]
        if first >= FIRST_VISIT_MAX or second >= SECOND_VISIT_MAX:
            failures.append(f"{path}: {first:,} B first, {second:,} B second")
    print("\n" + "\n".join(report))
    assert not failures, "pages over 60 KB (first visit) or 15 KB (second):\n" + "\n".join(failures)


def test_pages_are_gzipped_by_the_portal(client, pages):
    """The second-visit figure rests on this: the page is compressed by the portal itself."""
    response = client.get(pages["services"], HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip"
    html = gzip.GzipFile(fileobj=io.BytesIO(response.content)).read()
    assert len(response.content) < len(html) / 4
