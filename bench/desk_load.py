"""Load N service-desk requests (default 1,000,000) with their stage rows into PostgreSQL and print
the median and p95 server time and the query count of the tracking page, an officer's inbox and the
clerk dashboard.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/service_desk_bench \\
        .venv/bin/python bench/desk_load.py --requests 1000000

Rows are generated inside PostgreSQL (INSERT … SELECT generate_series), so loading a million
requests takes minutes, not hours. Re-running with --skip-load measures an existing load. It loads and
measures 1 %, 10 % and 100 % of --requests in turn (--scale, repeated, chooses other shares) and prints
how each page's median grows (bench.timing.growth_print): list pages and the tracking page should stay
flat.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.timing import growth_print  # noqa: E402


def load(n: int) -> None:
    from apps.catalog.models import SubService
    from apps.orgs.demo import DEMO_LOGINS  # noqa: F401 - demo org is the bench's org

    call_command("seed_demo", verbosity=0)
    services = list(SubService.objects.filter(body__name_fa__contains="مازندران").values_list("pk", flat=True))
    from apps.orgs.models import OrgUnit

    provincial = OrgUnit.objects.get(name="اداره کل راه و شهرسازی مازندران")
    departments = list(OrgUnit.objects.filter(parent=provincial).values_list("pk", flat=True))
    with connection.cursor() as cur:
        # The demo's requests go too, with every row that points at them (stages, events, notices,
        # documents, responses, questionnaires).
        cur.execute("TRUNCATE desk_servicerequest CASCADE")
        started = time.perf_counter()
        # Ten random digits + a digit: unique by construction (the bench does not need Damm here;
        # the tracking page is measured with real, registered codes below).
        cur.execute(
            """
            INSERT INTO desk_servicerequest (tracking_code, service_id, unit_id, channel, status, outcome,
                national_code, legal_id, legal_name, full_name, mobile, email, incomplete_reason, collected_by_name,
                collected_by_national_code, received_at, promised_at,
                first_stage_at, answered_at, delivered_at, updated_at, version)
            SELECT lpad((1000000000 + g)::text, 10, '0') || '0',
                   (%(services)s)[1 + (g %% array_length(%(services)s, 1))], %(unit)s, 'desk',
                   CASE WHEN g %% 20 = 0 THEN 'in_progress' WHEN g %% 20 = 1 THEN 'answered' ELSE 'delivered' END,
                   CASE WHEN g %% 20 IN (0) THEN '' ELSE 'granted' END,
                   '0499370899', '', '', 'متقاضی ' || g, '09121234567', '', '', '', '',
                   now() - (g %% 700) * interval '1 day', now() - (g %% 700) * interval '1 day' + interval '5 days',
                   now() - (g %% 700) * interval '1 day',
                   CASE WHEN g %% 20 = 0 THEN NULL ELSE now() - (g %% 700) * interval '1 day' + interval '4 days' END,
                   CASE WHEN g %% 20 > 1 THEN now() - (g %% 700) * interval '1 day' + interval '6 days' ELSE NULL END,
                   now() - (g %% 700) * interval '1 day' + interval '6 days',
                   3
            FROM generate_series(1, %(n)s) AS g
            """,
            {"services": services, "unit": provincial.pk, "n": n},
        )
        print(f"requests: {n:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        cur.execute(
            """
            INSERT INTO desk_requeststage (request_id, "order", title, unit_id, responsible_post, duration,
                duration_unit, state, handed_over_at, due_at, finished_at, note, escalated)
            SELECT r.id, s.n, 'مرحله ' || s.n, (%(departments)s)[1 + ((r.id + s.n) %% array_length(%(departments)s, 1))],
                   'کارشناس', 2, 'working_day',
                   CASE WHEN r.status = 'in_progress' AND s.n = 2 THEN 'active'
                        WHEN r.status = 'in_progress' AND s.n = 3 THEN 'pending' ELSE 'done' END,
                   r.received_at + (s.n - 1) * interval '1 day', r.received_at + s.n * interval '2 days',
                   CASE WHEN r.status = 'in_progress' AND s.n >= 2 THEN NULL
                        ELSE r.received_at + s.n * interval '1 day' END, '', false
            FROM desk_servicerequest r CROSS JOIN generate_series(1, 3) AS s(n)
            """,
            {"departments": departments},
        )
        print(f"stages: {3 * n:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
        # What autovacuum would have done by the time a real archive reaches this size: statistics and
        # the visibility map (index-only scans for the counters).
        cur.execute("VACUUM ANALYZE desk_servicerequest")
        cur.execute("VACUUM ANALYZE desk_requeststage")


def measure(client: Client, url, runs: int, **headers) -> tuple[float, float, set[int]]:
    """Median and p95 server time (ms) of `runs` GETs of `url` (or of what `url()` gives), and every
    query count seen."""
    times, counts = [], set()
    for _ in range(runs):
        reset_queries()  # DEBUG keeps at most 9000 queries; past that the capture cannot count
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url() if callable(url) else url, **headers)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        counts.add(len(ctx.captured_queries))
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)], counts


def real_codes(n: int = 300) -> list[str]:
    """Loaded codes carry no check digit; a sample gets real ones, as a registered request has, so
    that the public pages and the APIs accept them."""
    from apps.desk.tracking import tracking_code_new

    codes = []
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM desk_servicerequest ORDER BY random() LIMIT %s", [n])
        for (pk,) in cur.fetchall():
            codes.append(tracking_code_new())
            cur.execute("UPDATE desk_servicerequest SET tracking_code = %s WHERE id = %s", [codes[-1], pk])
    return codes


def measure_pages(runs: int) -> list[tuple[str, tuple[float, float, set[int]]]]:
    codes = real_codes()
    from apps.desk.models import ServiceRequest

    ids = list(ServiceRequest.objects.filter(tracking_code__in=codes).values_list("pk", flat=True))
    citizen, clerk, officer = Client(), Client(), Client()
    password = os.environ.get("DEMO_PASSWORD", "miz-khedmat-1405")
    clerk.login(username="clerk", password=password)
    officer.login(username="officer", password=password)
    return [
        # Random codes among 300: mostly first visits, so the page is rendered, not read from the
        # page cache (apps.core.pagecache), whose answer costs no query at any size.
        ("tracking page /track/?code=", measure(citizen, lambda: f"/track/?code={random.choice(codes)}", runs)),
        ("officer inbox /desk/inbox/", measure(officer, "/desk/inbox/", runs)),
        ("clerk dashboard /desk/", measure(clerk, "/desk/", runs)),
        ("request list /desk/requests/", measure(clerk, "/desk/requests/", runs)),
        ("request page /desk/requests/<id>/", measure(clerk, lambda: f"/desk/requests/{random.choice(ids)}/", runs)),
    ]


def requests_loaded() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM desk_servicerequest")
        return cur.fetchone()[0]


def run_at_scales(description: str, measure_all, *, runs: int, what: str) -> None:
    """The command line of the request benches (this one and bench/api_requests.py): load each share
    of --requests in turn, measure `measure_all(runs)` — [(name, (median ms, p95 ms, query counts))] —
    print its table, and at the end how each median grew."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--scale", type=float, action="append",
        help="a share of --requests to load and measure (repeatable; default 0.01, 0.1 and 1); "
             f"the growth of each {what}'s median is printed at the end",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it will be filled with synthetic data).")
    call_command("migrate", verbosity=0)
    from django.conf import settings
    from django.core.cache import cache

    settings.RATELIMIT_ENABLE = False
    growth = []
    for scale in [1.0] if args.skip_load else sorted(args.scale or [0.01, 0.1, 1.0]):
        if not args.skip_load:
            load(int(args.requests * scale))
        cache.clear()  # no page, answer or rate-limit count of the previous size carries over
        rows = measure_all(args.runs)
        total = requests_loaded()
        growth.append((total, rows))
        print(f"\n{total:,} requests, {args.runs} runs each (server time in-process)")
        print(f"{what:<44} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
        for name, (median, p95, queries) in rows:
            print(f"{name:<44} {median:>10.1f} {p95:>10.1f} {'/'.join(map(str, sorted(queries))):>8}")
    growth_print(
        f"server time of each {what} (median), by requests loaded",
        [total for total, _rows in growth],
        [(name, [rows[i][1][0] for _total, rows in growth]) for i, (name, _figures) in enumerate(growth[0][1])],
        unit="ms",
    )


def main() -> None:
    run_at_scales(__doc__.splitlines()[0], measure_pages, runs=100, what="page")


if __name__ == "__main__":
    main()
