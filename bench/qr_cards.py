"""Time the staff QR cards of a unit at 1 %, 10 % and 100 % of its size: codes issued in bulk (their
card pictures drawn), then the cards PDF made by a file job.

    .venv/bin/python bench/qr_cards.py            # 1000 employees on a throwaway SQLite file
    .venv/bin/python bench/qr_cards.py 300
    DATABASE_URL=postgres://… .venv/bin/python bench/qr_cards.py   # leaves a "bench" body behind

The cards are asked for through the view as a clerk would: the view starts a file job (apps.core.filejobs)
and redirects to its progress page; here the job runs inline (JOBS_BACKGROUND_THREADS off) so the time
of the request is the time of the job (scoped selector, the kept pictures, one render_pdf pass, the
file stored), then the PDF is downloaded from the job. Issuing draws each code's picture (a background
task in production, inline here). Prints ms a code issued and ms a card printed at each size, and how
each time grows (bench.timing.growth_print).
"""

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.throwaway import django_setup

THROWAWAY = django_setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from apps.core.models import FileJob  # noqa: E402
from apps.core.pdf import warm_up  # noqa: E402
from apps.feedback.services import staff_qr_issue_unit  # noqa: E402
from apps.orgs import roles  # noqa: E402
from apps.orgs.models import Body, OrgUnit, Province, Staff  # noqa: E402
from bench.timing import growth_print, timed  # noqa: E402

FIRST = ["مریم", "علی", "زهرا", "سیدمحمدحسین", "فاطمه", "امیرحسین", "نرگس", "رضا"]
LAST = ["احمدی", "موسوی‌نژاد", "کریمی", "رضایی", "حسینی", "میرحسینی", "صادقی", "قاسمی‌پور"]
POSTS = [
    "کارشناس میز خدمت",
    "رئیس اداره امور مالیاتی و پاسخگویی به شکایات مردمی",
    "متصدی پذیرش",
    "کارشناس مسئول",
]


def unit_with_staff(hq: OrgUnit, n: int) -> OrgUnit:
    """A department under `hq` with `n` employees."""
    unit = OrgUnit.objects.create(name=f"اداره {n}", body=hq.body, parent=hq, level=OrgUnit.Level.DEPARTMENT)
    # bulk_create skips Staff.save(), which copies the unit's body: set it here.
    Staff.objects.bulk_create(
        Staff(
            first_name=FIRST[i % len(FIRST)], last_name=LAST[(i // len(FIRST)) % len(LAST)],
            personnel_code=f"B{n}-{i:06d}", post=POSTS[i % len(POSTS)], unit=unit, body=hq.body,
        )
        for i in range(n)
    )  # fmt: skip
    return unit


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if THROWAWAY:
        call_command("migrate", verbosity=0)
    province, _ = Province.objects.get_or_create(code="IR-02", defaults={"name_fa": "مازندران"})
    user = get_user_model().objects.create_user(f"bench-clerk-{time.time():.0f}")  # force_login: no password
    user.groups.add(Group.objects.get_or_create(name=roles.DESK_CLERK)[0])
    body = Body.objects.create(name_fa=f"اداره کل آزمون کارایی {time.time():.0f}", name_en="bench")
    hq = OrgUnit.objects.create(name="اداره کل", body=body, level=OrgUnit.Level.PROVINCE, province=province)
    clerk = Staff.objects.create(
        first_name="مینا", last_name="رستمی", personnel_code=f"B-CLERK-{time.time():.0f}",
        post="کارشناس میز خدمت", unit=hq, user=user,
    )  # fmt: skip
    # Background work (the pictures drawn after issue, the file job) runs inline, inside the timed call.
    settings.JOBS_BACKGROUND_THREADS = False
    warm_up()  # WeasyPrint's fonts, as a worker has them loaded before its first job (config/wsgi.py)
    client = Client()
    client.force_login(user)
    url = reverse("feedback:qr_cards_pdf")
    rows = []
    for size in sorted({max(1, n // 100), max(1, n // 10), n}):
        unit = unit_with_staff(hq, size)
        codes, issued = timed(
            f"issue {size} codes (pictures drawn)", lambda unit=unit: staff_qr_issue_unit(unit=unit, by=clerk)
        )
        assert len(codes) == size, len(codes)
        response, seconds = timed(
            f"{size} cards: job (one WeasyPrint pass)", lambda unit=unit: client.post(url, {"unit": unit.pk})
        )
        assert response.status_code == 302, response.status_code
        job = FileJob.objects.get(pk=response["Location"].strip("/").split("/")[1])
        assert job.state == FileJob.State.DONE, (job.state, job.message)
        assert client.get(response["Location"]).status_code == 200
        download = client.get(reverse("core:file_job_file", args=[job.pk]))
        pdf = b"".join(download.streaming_content)
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S607
        pages = next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))
        print(f"{'  PDF':<44} {len(pdf) / 1024 / 1024:7.2f} MB, {pages} pages")
        rows.append((size, issued, seconds))
    print(f"\n{'cards':>6} {'issue ms/code':>14} {'job s':>8} {'ms a card':>10}")
    for size, issued, seconds in rows:
        print(f"{size:>6} {issued / size * 1000:>14.1f} {seconds:>8.2f} {seconds / size * 1000:>10.1f}")
    growth_print(
        "QR cards, by employees in the unit",
        [size for size, _issued, _seconds in rows],
        [
            ("issue codes (pictures drawn)", [issued for _size, issued, _seconds in rows]),
            ("cards PDF (file job)", [seconds for _size, _issued, seconds in rows]),
        ],
        unit="s",
    )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")


if __name__ == "__main__":
    main()
