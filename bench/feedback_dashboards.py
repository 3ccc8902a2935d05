"""Load a national volume of staff ratings and questionnaires into PostgreSQL and time the satisfaction
dashboards (apps.feedback.dashboards): a province's dashboard (its figures, then the whole page) and the
national questionnaire index, with the peak memory of each, at one or more scales.

At --scale 1 (100 %): 10,000,000 staff ratings and 1,000,000 questionnaires of 16 answers each
(16,000,000 answer rows), spread over the 365 days up to now across 31 provinces, 1,280 bodies, about
6,200 org units and 6,200 rated employees (the org tree of bench/reports_national.py). The dashboards'
default period, the current Jalali month and the five before it, reads about 45 % of the rows.

    createdb -h 127.0.0.1 -U postgres service_desk_feedback_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/service_desk_feedback_bench \\
        .venv/bin/python bench/feedback_dashboards.py --scale 0.01 --scale 0.03 --scale 0.1

Every --scale loads afresh (the tables are emptied first); --skip-load measures what is there. Rows
are generated inside PostgreSQL (INSERT … SELECT generate_series), then the daily rollups the
dashboards read are rebuilt from them (`manage.py rollups_rebuild`, timed). The national index
is timed twice: from the rollups (what the pages read) and from the raw answers (the reference it
replaced). Peak memory is reported twice:
Python's allocations while the figures are read (tracemalloc: it must not grow with the rows) and
the process's resident high-water mark (getrusage). By default it loads and measures 1 %, 10 % and
100 % in turn and prints how each time grows with the rows (bench.timing.growth_print).
"""

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.db import connection  # noqa: E402

# The same org tree (40 ministries × 31 provinces, five rated desk staff per provincial unit) and the
# same bulk-insert helper as the national report bench.
from bench.reports_national import indexes_dropped, org_load  # noqa: E402
from bench.timing import growth_print  # noqa: E402

FULL = {"ratings": 10_000_000, "responses": 1_000_000}
DAYS = 365
TABLES = (
    "feedback_answer",
    "feedback_surveyresponse",
    "feedback_staffrating",
    "desk_servicerequest",
    "feedback_staffratingday",
    "feedback_answerday",
    "feedback_answerprovinceday",
    "feedback_surveyday",
)


def _step(label: str, started: float, rows: int | None = None) -> None:
    extra = f"{rows:,} rows " if rows is not None else ""
    print(f"  {label:<28} {extra}in {time.perf_counter() - started:6.1f} s", flush=True)


def data_load(scale: float, org: dict) -> float:
    """Ratings, and the questionnaires with the requests they belong to, generated inside PostgreSQL
    over the DAYS days up to now (an hour ago at the latest). Returns the seconds the rollups took to
    rebuild."""
    n_ratings = int(FULL["ratings"] * scale)
    n_responses = int(FULL["responses"] * scale)
    window = {"days": DAYS}
    with connection.cursor() as cur:
        cur.execute("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE")
        # The rows are consistent by construction: skip the foreign-key triggers, which would otherwise
        # check seven references for each of the sixteen million answers (needs a superuser, as here).
        cur.execute("SET session_replication_role = replica")
        started = time.perf_counter()
        cur.execute(
            """
            CREATE TEMP TABLE bench_desks AS
            SELECT row_number() OVER (ORDER BY u.id) AS n, u.id AS unit_id, u.body_id, u.province_id, u.county_id,
                   (SELECT min(s.id) FROM catalog_subservice s WHERE s.body_id = u.body_id) AS service_id
            FROM orgs_orgunit u
            WHERE u.level IN ('province', 'county') AND u.body_id IN (SELECT id FROM orgs_body WHERE name_fa LIKE 'بنچ %')
            """
        )
        cur.execute("SELECT count(*) FROM bench_desks")
        n_desks = cur.fetchone()[0]
        # A questionnaire belongs to one delivered request: one request per questionnaire.
        cur.execute(
            """
            INSERT INTO desk_servicerequest (tracking_code, service_id, unit_id, channel, status, outcome,
                national_code, legal_id, full_name, mobile, email, incomplete_reason, received_at, promised_at,
                first_stage_at, answered_at, delivered_at, version, collected_by_name, collected_by_national_code,
                legal_name)
            SELECT 'F' || lpad(g::text, 10, '0'), d.service_id, d.unit_id, 'desk', 'delivered', 'granted',
                   '0499370899', '', 'متقاضی ' || g, '09121234567', '', '',
                   t.delivered - interval '6 days', t.delivered - interval '1 day', t.delivered - interval '6 days',
                   t.delivered - interval '1 day', t.delivered, 1, '', '', ''
            FROM generate_series(1, %(n)s) AS g
            JOIN bench_desks d ON d.n = 1 + (g %% %(desks)s)
            CROSS JOIN LATERAL (
                SELECT now() - interval '1 hour' - (g %% %(days)s) * interval '1 day' - (g %% 420) * interval '1 minute'
                    AS delivered
            ) AS t
            """,
            {"n": n_responses, "desks": n_desks, **window},
        )
        _step("requests", started, cur.rowcount)
        started = time.perf_counter()
        cur.execute(
            """
            INSERT INTO feedback_surveyresponse (service_id, unit_id, body_id, province_id, county_id, questionnaire_id,
                request_id, source, submitted_at, gender, age_band, education, occupation, suggestions)
            SELECT r.service_id, r.unit_id, d.body_id, d.province_id, d.county_id,
                   (SELECT id FROM feedback_questionnaire WHERE active), r.id, 'online',
                   r.delivered_at + interval '30 minutes', '', '', '', '', ''
            FROM desk_servicerequest r JOIN bench_desks d ON d.unit_id = r.unit_id
            """
        )
        _step("questionnaires", started, cur.rowcount)
        cur.execute("DROP TABLE bench_desks")
        started = time.perf_counter()
        with indexes_dropped(cur, "feedback_answer"):
            cur.execute(
                """
                INSERT INTO feedback_answer (service_id, unit_id, body_id, province_id, county_id, response_id,
                    question_id, value, submitted_at)
                SELECT s.service_id, s.unit_id, s.body_id, s.province_id, s.county_id, s.id, q.id,
                       1 + ((s.id * 7 + q.number * 3 + s.province_id) %% 5), s.submitted_at
                FROM feedback_surveyresponse s CROSS JOIN feedback_question q
                WHERE q.id = ANY(%(questions)s)
                """,
                {"questions": org["questions"]},
            )
            rows = cur.rowcount
        _step("answers", started, rows)
        started = time.perf_counter()
        cur.execute(
            """
            CREATE TEMP TABLE bench_codes AS
            SELECT row_number() OVER (ORDER BY c.id) AS n, c.id AS code_id, st.id AS staff_id, st.unit_id,
                   st.body_id, u.province_id
            FROM feedback_staffqrcode c JOIN orgs_staff st ON st.id = c.staff_id JOIN orgs_orgunit u ON u.id = st.unit_id
            WHERE c.token LIKE 'bench%'
            """
        )
        cur.execute("SELECT count(*) FROM bench_codes")
        n_codes = cur.fetchone()[0]
        with indexes_dropped(cur, "feedback_staffrating"):
            # Scores lean on the employee (some are rated lower than others); one in fifty is held. The
            # day is scattered (× 7919) so that each employee's ratings spread over the whole year.
            cur.execute(
                """
                INSERT INTO feedback_staffrating (staff_id, code_id, score, comment, tracking_code, mobile, device_key,
                    created_at, flagged, flag_reason, unit_id, body_id, province_id)
                SELECT c.staff_id, c.code_id, least(5, 1 + (g * 13 %% 5) + (c.n %% 3 = 0)::int), '', '', '',
                       'bench-' || g,
                       now() - interval '1 hour' - (g::bigint * 7919 %% %(days)s) * interval '1 day'
                           - (g %% 400) * interval '1 minute',
                       g %% 50 = 0, '', c.unit_id, c.body_id, c.province_id
                FROM generate_series(1, %(n)s) AS g
                JOIN bench_codes c ON c.n = 1 + (g %% %(codes)s)
                """,
                {"n": n_ratings, "codes": n_codes, **window},
            )
            rows = cur.rowcount
        _step("staff ratings", started, rows)
        cur.execute("DROP TABLE bench_codes")
        cur.execute("SET session_replication_role = DEFAULT")
        started = time.perf_counter()
        cur.execute("ANALYZE")
        _step("ANALYZE", started)
    from apps.feedback.rollups import rollups_rebuild

    started = time.perf_counter()
    written = rollups_rebuild()
    rebuild_s = time.perf_counter() - started
    _step("rollups rebuilt", started, sum(written.values()))
    print("    " + ", ".join(f"{name} {rows:,}" for name, rows in written.items()), flush=True)
    # VACUUM as autovacuum soon would: it marks the rebuilt pages all-visible, which lets PostgreSQL
    # answer the province's covering indexes without visiting the table.
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "VACUUM ANALYZE feedback_staffratingday, feedback_answerday, feedback_answerprovinceday, feedback_surveyday"
        )
    _step("VACUUM ANALYZE of the rollups", started)
    return rebuild_s


def bench_users():
    """A provincial auditor of the first province and a national auditor, logged-in users of the portal."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from apps.orgs import roles
    from apps.orgs.models import OrgUnit, Province, Staff

    province = Province.objects.filter(units__body__name_fa__startswith="بنچ ").order_by("code").first()
    desk = OrgUnit.objects.filter(province=province, level=OrgUnit.Level.PROVINCE).order_by("pk").first()
    hq = (
        OrgUnit.objects.filter(level=OrgUnit.Level.HQ, body__name_fa__startswith="بنچ ")
        .order_by("pk")
        .first()
    )
    users = {}
    for role, unit in ((roles.PROVINCIAL_AUDITOR, desk), (roles.NATIONAL_AUDITOR, hq)):
        user, _created = get_user_model().objects.get_or_create(username=f"bench-{role}")
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
        Staff.objects.update_or_create(
            user=user,
            defaults={
                "first_name": "ارزیاب",
                "last_name": role,
                "personnel_code": f"bench-{role[:3]}",
                "post": "ارزیاب",
                "unit": unit,
            },
        )
        users[role] = get_user_model().objects.get(pk=user.pk)
    return province, users[roles.PROVINCIAL_AUDITOR], users[roles.NATIONAL_AUDITOR]


def _timed(label: str, work, runs: int = 3):
    """Run `work` `runs` times (the first on cold caches), then once more under tracemalloc; return its
    result and the best time in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    work()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  {label:<34} first {times[0]:6.2f} s   best of {runs} {min(times):6.2f} s   "
        f"Python peak {peak / 2**20:5.1f} MiB",
        flush=True,
    )
    return result, min(times)


def measure() -> tuple[int, list[tuple[str, float]]]:
    """Time a province's dashboard (as its provincial auditor) and the national index (as a national
    auditor) for the default period: the current Jalali month and the five before it. Returns the
    number of ratings and each best time in seconds."""
    from django.test import Client
    from django.urls import reverse

    from apps.feedback import dashboards as dash
    from apps.feedback import indices

    province, auditor, national = bench_users()
    period = dash.period_default()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM feedback_staffrating")
        ratings = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM feedback_answer")
        answers = cur.fetchone()[0]
    print(f"  data: {ratings:,} ratings, {answers:,} answers; period {period.label(persian=False)}")
    scope = dash.DashboardScope(dash.PROVINCE, province)
    board, board_s = _timed(
        f"province dashboard ({province.code}) figures",
        lambda: dash.dashboard_get(user=auditor, scope=scope, period=period),
    )
    client = Client()
    client.force_login(auditor)

    def page():
        response = client.get(reverse("feedback:dashboard"), {"level": "province", "province": province.pk})
        assert response.status_code == 200, response.status_code
        return response

    _response, page_s = _timed("province dashboard page (HTML)", page)

    def national_index():
        answers = indices.answer_rollups_in_scope(user=national, period=period)
        return indices.overall_index(answers), indices.axis_indices(answers)

    def national_index_raw():
        answers = indices.answers_in_scope(user=national, period=period)
        return indices.overall_index(answers), indices.axis_indices(answers)

    (overall, axes), index_s = _timed("national index (overall + 6 axes)", national_index)
    (raw_overall, raw_axes), raw_s = _timed("  the same from the raw answers", national_index_raw, runs=1)
    assert (round(overall, 9), [round(a.index, 9) for a in axes]) == (
        round(raw_overall, 9),
        [round(a.index, 9) for a in raw_axes],
    ), "the rollups and the raw answers disagree"
    country, country_s = _timed(
        "national dashboard figures",
        lambda: dash.dashboard_get(user=national, scope=dash.DashboardScope(dash.NATION), period=period),
    )
    print(
        f"  province: {board.ratings.count:,} counted ratings (average {board.ratings.average}), "
        f"{board.responses:,} questionnaires, index {board.index:.1f}; {len(board.children)} bodies"
    )
    print(
        f"  nation: {country.ratings.count:,} counted ratings, {country.responses:,} questionnaires, "
        f"index {overall:.1f} ({', '.join(f'{a.index:.1f}' for a in axes)})"
    )
    print(
        f"  process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.1f} MiB", flush=True
    )
    return ratings, [
        ("province dashboard figures", board_s),
        ("province dashboard page (HTML)", page_s),
        ("national index (from the rollups)", index_s),
        ("national index from the raw answers (one run)", raw_s),
        ("national dashboard figures", country_s),
    ]


def main() -> None:
    from django.core.management import call_command

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        action="append",
        help="Fraction of the full volume, e.g. 0.1 (repeatable). Default 0.01, 0.1 and 1.",
    )
    parser.add_argument("--skip-load", action="store_true", help="Measure the data already loaded.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it will be filled with synthetic data).")
    call_command("migrate", verbosity=0)
    if args.skip_load:
        print("measuring the loaded data", flush=True)
        measure()
        return
    org = org_load()
    growth = []
    for scale in sorted(args.scale or [0.01, 0.1, 1.0]):
        print(f"\nscale {scale * 100:g} %: loading", flush=True)
        started = time.perf_counter()
        rebuild_s = data_load(scale, org)
        _step("load total", started)
        ratings, rows = measure()
        growth.append((ratings, [("rollups rebuilt (one run)", rebuild_s), *rows]))
    growth_print(
        "satisfaction figures (best of 3 unless one run), by staff ratings loaded",
        [ratings for ratings, _rows in growth],
        [(name, [rows[i][1] for _ratings, rows in growth]) for i, (name, _s) in enumerate(growth[0][1])],
        unit="s",
    )


if __name__ == "__main__":
    main()
