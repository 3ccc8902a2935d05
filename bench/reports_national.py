"""Load a national volume of synthetic data into PostgreSQL and time the six-monthly national
compilation (apps.reports): figures alone, then the whole report with its PDF and Excel file.

At --scale 1 (100 %): 1,000,000 requests, 5,000,000 request stages, 10,000,000 staff ratings and
a questionnaire of 16 answers for every delivered request — 95 % of them, since a questionnaire
belongs to one request: 950,000 questionnaires, 15,200,000 answer rows — and 1,000,000 people's
communication cases (issue 12: the seven types, 10 % referred, 90 % answered, 30 % rated, an idea
review for each idea) spread over Jalali 1404-H2 and 1405-H1 across 31 provinces, 1,280 bodies and
about 6,200 org units. The compilation of 1405-H1 then reads about half of every table. By default
it loads and measures 1 %, 10 % and 100 % in turn (--scale, repeated, chooses other shares) and
prints how each time grows with the rows (bench.timing.growth_print).

Besides the compilation it times, with their query counts, the handling unit's case inbox (first
page of apps.cases.selectors.case_inbox for a clerk of the busiest unit, 5 % of all cases open there,
and for a centre reviewer, who sees every open case) and the centre's overview of cases (the case
figures of the whole country for the half year). --cases-scale loads the cases at another scale than
the rest (e.g. --scale 0.1 --cases-scale 1: a million cases beside 100,000 requests).

    createdb -h 127.0.0.1 -U postgres service_desk_reports_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/service_desk_reports_bench \\
        .venv/bin/python bench/reports_national.py --scale 0.1 --scale 0.3

Every --scale loads afresh (the big tables are emptied first); --skip-load measures what is there.
Rows are generated inside PostgreSQL (INSERT … SELECT generate_series), as in bench/desk_load.py.
Peak memory is reported twice: Python's own allocations during the compilation (tracemalloc) and
the process's resident high-water mark (getrusage, which includes Django and WeasyPrint).
"""

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
# The compiled report's PDF and Excel go to a scratch folder, not the portal's private media.
os.environ.setdefault("PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="reports-bench-"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402

from bench.timing import growth_print  # noqa: E402

FULL = {
    "requests": 1_000_000,
    "stages_per_request": 5,
    "ratings": 10_000_000,
    "responses": 1_000_000,
    "cases": 1_000_000,
}
MINISTRIES = 40  # each with a headquarters and a directorate in each of the 31 provinces
# 1404/07/01 (start of 1404-H2) in Tehran; data runs for 365 days from there, into 1405-H1.
DATA_START = "2025-09-23 08:00:00+03:30"
BIG_TABLES = (
    "cases_casenotification",
    "cases_caseevent",
    "cases_caseresponse",
    "cases_caseattachment",
    "cases_ideareview",
    "cases_case",
    "feedback_answer",
    "feedback_surveyresponse",
    "feedback_staffrating",
    "desk_requeststage",
    "desk_requestevent",
    "desk_notification",
    "desk_requestdocument",
    "desk_response",
    "desk_servicerequest",
    "reports_report",
)


def _step(label: str, started: float, rows: int | None = None) -> None:
    extra = f"{rows:,} rows " if rows is not None else ""
    print(f"  {label:<28} {extra}in {time.perf_counter() - started:6.1f} s", flush=True)


def org_load() -> dict:
    """The org tree (bulk_create: thousands of rows): ministries with HQ units, one directorate body
    per ministry and province with a provincial unit, two county units and two departments, five
    desk staff per provincial unit with their QR codes, and 20 sub-services per body."""
    from apps.catalog.models import SubService
    from apps.feedback.models import StaffQRCode
    from apps.orgs.models import Body, County, OrgUnit, Province, Staff
    from apps.orgs.services import provinces_seed

    provinces_seed()
    if Body.objects.filter(name_fa__startswith="بنچ ").exists():
        print("  org tree already loaded", flush=True)
    else:
        started = time.perf_counter()
        provinces = list(Province.objects.order_by("code"))
        counties = {}
        for p in provinces:
            counties[p.pk] = [
                County.objects.get_or_create(province=p, name_fa=f"شهرستان بنچ {p.code}-{n}")[0]
                for n in (1, 2)
            ]
        channels = ["in_person", "electronic", "hybrid", "outside"]
        for m in range(1, MINISTRIES + 1):
            ministry = Body.objects.create(name_fa=f"بنچ وزارتخانه {m}")
            hq = OrgUnit(name=f"ستاد وزارتخانه {m}", body=ministry, level=OrgUnit.Level.HQ)
            hq.save()
            bodies = [ministry]
            for p in provinces:
                directorate = Body.objects.create(name_fa=f"بنچ اداره کل {m} {p.name_fa}", parent=ministry)
                bodies.append(directorate)
                unit = OrgUnit(
                    name=f"میز خدمت {m} {p.name_fa}",
                    body=directorate,
                    level=OrgUnit.Level.PROVINCE,
                    province=p,
                )
                unit.save()
                for n, county in enumerate(counties[p.pk], start=1):
                    OrgUnit(
                        name=f"اداره {m} شهرستان {n} {p.name_fa}",
                        body=directorate,
                        level=OrgUnit.Level.COUNTY,
                        province=p,
                        county=county,
                        parent=unit,
                    ).save()
                    OrgUnit(
                        name=f"اداره داخلی {n} — {m} {p.name_fa}",
                        body=directorate,
                        level=OrgUnit.Level.DEPARTMENT,
                        parent=unit,
                    ).save()
                staff = Staff.objects.bulk_create(
                    Staff(
                        first_name="کارمند",
                        last_name=f"{m}-{p.code}-{s}",
                        personnel_code=f"B{m}{p.code}{s}",
                        post="کارشناس میز خدمت",
                        unit=unit,
                        body=directorate,
                    )
                    for s in range(1, 6)
                )
                StaffQRCode.objects.bulk_create(
                    StaffQRCode(staff=s, token=f"bench{s.pk:012d}") for s in staff
                )
            SubService.objects.bulk_create(
                SubService(
                    body=body,
                    code=f"{body.pk}{n:03d}",
                    title=f"خدمت بنچ {n}",
                    channel=channels[n % 4],
                    service_type="G2B" if n % 5 == 0 else "G2C",
                    non_electronic_reason="" if n % 4 == 1 else "law",
                )
                for body in bodies
                for n in range(1, 21)
            )
        _step("org tree and catalog", started)
    from apps.feedback.models import Question

    def ids(sql: str) -> list[int]:
        with connection.cursor() as cur:
            cur.execute(sql)
            return [row[0] for row in cur.fetchall()]

    return {
        "departments": ids(
            "SELECT id FROM orgs_orgunit WHERE level = 'department' "
            "AND body_id IN (SELECT id FROM orgs_body WHERE name_fa LIKE 'بنچ %') ORDER BY id"
        ),
        "questions": list(Question.objects.filter(questionnaire__active=True).values_list("pk", flat=True)),
    }


class indexes_dropped:
    """Drop a table's plain indexes (not the primary key or constraint indexes) for a bulk insert and
    build them again afterwards: one sort per index instead of millions of index updates."""

    def __init__(self, cur, table: str) -> None:
        self.cur, self.table = cur, table

    def __enter__(self):
        self.cur.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = %s AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            """,
            [self.table],
        )
        self.definitions = self.cur.fetchall()
        for name, _definition in self.definitions:
            self.cur.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc) -> None:
        for _name, definition in self.definitions:
            self.cur.execute(definition)


def data_load(scale: float, org: dict) -> None:
    """The big tables, generated inside PostgreSQL."""
    n_requests = int(FULL["requests"] * scale)
    n_ratings = int(FULL["ratings"] * scale)
    n_responses = int(FULL["responses"] * scale)
    with connection.cursor() as cur:
        cur.execute("TRUNCATE " + ", ".join(BIG_TABLES) + " RESTART IDENTITY CASCADE")
        # The catalog predates the data: a report counts the services in force at its period's end, from
        # their dated states. bulk_create wrote no state (SubService.save does), so each service gets its
        # first state here, on its first day, as SubService.states_keep would have kept it.
        cur.execute(
            """
            UPDATE catalog_subservice SET created_at = %(start)s::timestamptz - interval '30 days',
                valid_from = (%(start)s::timestamptz - interval '30 days')::date
            """,
            {"start": DATA_START},
        )
        cur.execute(
            """
            UPDATE catalog_servicestate st SET effective_from = s.valid_from FROM catalog_subservice s
            WHERE s.id = st.service_id AND st.effective_from > s.valid_from
              AND st.effective_from = (SELECT min(effective_from) FROM catalog_servicestate WHERE service_id = s.id)
            """
        )
        cur.execute(
            """
            INSERT INTO catalog_servicestate (service_id, effective_from, channel, non_electronic_reason, service_type,
                active, recorded_at)
            SELECT s.id, s.valid_from, s.channel, s.non_electronic_reason, s.service_type, s.active, now()
            FROM catalog_subservice s
            WHERE NOT EXISTS (SELECT 1 FROM catalog_servicestate st WHERE st.service_id = s.id)
            """
        )
        started = time.perf_counter()
        # Each request: a desk unit (round robin), one of the 20 services of that unit's body.
        cur.execute(
            """
            CREATE TEMP TABLE bench_desks AS
            SELECT row_number() OVER (ORDER BY id) AS n, id AS unit_id, body_id FROM orgs_orgunit
            WHERE level IN ('province', 'county') AND body_id IN (SELECT id FROM orgs_body WHERE name_fa LIKE 'بنچ %')
            """
        )
        cur.execute(
            """
            CREATE TEMP TABLE bench_services AS
            SELECT body_id, row_number() OVER (PARTITION BY body_id ORDER BY id) AS k, id AS service_id
            FROM catalog_subservice WHERE body_id IN (SELECT body_id FROM bench_desks)
            """
        )
        cur.execute("SELECT count(*) FROM bench_desks")
        n_desks = cur.fetchone()[0]
        cur.execute(
            """
            INSERT INTO desk_servicerequest (tracking_code, service_id, unit_id, channel, status, outcome,
                national_code, legal_id, full_name, mobile, email, incomplete_reason, received_at, promised_at,
                first_stage_at, answered_at, delivered_at, version, collected_by_name, collected_by_national_code,
                legal_name)
            SELECT 'B' || lpad(g::text, 10, '0'), s.service_id, d.unit_id,
                   CASE WHEN g %% 4 = 0 THEN 'online' ELSE 'desk' END,
                   CASE WHEN g %% 20 = 0 THEN 'in_progress' ELSE 'delivered' END,
                   CASE WHEN g %% 20 = 0 THEN '' ELSE 'granted' END,
                   '0499370899', '', 'متقاضی ' || g, '09121234567', '', '',
                   t.received, t.received + interval '5 days', t.received,
                   CASE WHEN g %% 20 = 0 THEN NULL ELSE t.received + (g %% 8) * interval '1 day' END,
                   CASE WHEN g %% 20 = 0 THEN NULL ELSE t.received + (g %% 8 + 1) * interval '1 day' END,
                   1, '', '', ''
            FROM generate_series(1, %(n)s) AS g
            JOIN bench_desks d ON d.n = 1 + (g %% %(desks)s)
            JOIN bench_services s ON s.body_id = d.body_id AND s.k = 1 + (g / 7 %% 20)
            CROSS JOIN LATERAL (
                SELECT %(start)s::timestamptz + (g %% 365) * interval '1 day' + (g %% 420) * interval '1 minute' AS received
            ) AS t
            """,
            {"n": n_requests, "desks": n_desks, "start": DATA_START},
        )
        cur.execute("DROP TABLE bench_desks; DROP TABLE bench_services")
        _step("requests", started, n_requests)
        started = time.perf_counter()
        with indexes_dropped(cur, "desk_requeststage"):
            cur.execute(
                """
                INSERT INTO desk_requeststage (request_id, "order", title, unit_id, responsible_post, duration,
                    duration_unit, state, handed_over_at, due_at, finished_at, note, escalated)
                SELECT r.id, s.n, 'مرحله ' || s.n || ' ' || (r.id %% 12),
                       (%(departments)s)[1 + ((r.id + s.n) %% array_length(%(departments)s, 1))],
                       'کارشناس', 1, 'working_day',
                       CASE WHEN r.answered_at IS NULL AND s.n >= 3 THEN 'pending' ELSE 'done' END,
                       r.received_at + (s.n - 1) * interval '1 day', r.received_at + s.n * interval '1 day',
                       CASE WHEN r.answered_at IS NULL AND s.n >= 3 THEN NULL
                            ELSE r.received_at + s.n * interval '1 day' + ((r.id + s.n) %% 7 - 3) * interval '5 hours'
                       END,
                       '', false
                FROM desk_servicerequest r CROSS JOIN generate_series(1, %(k)s) AS s(n)
                """,
                {"departments": org["departments"], "k": FULL["stages_per_request"]},
            )
            rows = cur.rowcount
        _step("request stages", started, rows)
        started = time.perf_counter()
        # A questionnaire belongs to one delivered request: the first n of them (spread over the year).
        cur.execute(
            """
            INSERT INTO feedback_surveyresponse (service_id, unit_id, body_id, province_id, county_id, questionnaire_id,
                request_id, source, submitted_at, gender, age_band, education, occupation, suggestions)
            SELECT r.service_id, r.unit_id, u.body_id, u.province_id, u.county_id,
                   (SELECT id FROM feedback_questionnaire WHERE active), r.id, 'online',
                   r.delivered_at + interval '2 hours', '', '', '', '', ''
            FROM desk_servicerequest r JOIN orgs_orgunit u ON u.id = r.unit_id
            WHERE r.delivered_at IS NOT NULL
            ORDER BY r.id LIMIT %(n)s
            """,
            {"n": n_responses},
        )
        _step("questionnaires", started, cur.rowcount)
        started = time.perf_counter()
        with indexes_dropped(cur, "feedback_answer"):
            cur.execute(
                """
                INSERT INTO feedback_answer (service_id, unit_id, body_id, province_id, county_id, response_id,
                    question_id, value, submitted_at)
                SELECT s.service_id, s.unit_id, s.body_id, s.province_id, s.county_id, s.id, q.id,
                       1 + ((s.id * 7 + q.number * 3) %% 5), s.submitted_at
                FROM feedback_surveyresponse s
                CROSS JOIN feedback_question q
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
            cur.execute(
                """
                INSERT INTO feedback_staffrating (staff_id, code_id, score, comment, tracking_code, mobile, device_key,
                    created_at, flagged, flag_reason, unit_id, body_id, province_id)
                SELECT c.staff_id, c.code_id, 1 + (g * 13 %% 5), '', '', '', 'bench-' || g,
                       %(start)s::timestamptz + (g %% 365) * interval '1 day' + (g %% 400) * interval '1 minute',
                       g %% 50 = 0, '', c.unit_id, c.body_id, c.province_id
                FROM generate_series(1, %(n)s) AS g
                JOIN bench_codes c ON c.n = 1 + (g %% %(codes)s)
                """,
                {"n": n_ratings, "codes": n_codes, "start": DATA_START},
            )
            rows = cur.rowcount
        _step("staff ratings", started, rows)
        cur.execute("DROP TABLE bench_codes")
        started = time.perf_counter()
        cur.execute("ANALYZE")
        _step("ANALYZE", started)
    # The report reads the request and satisfaction figures from the daily rollups, which the portal
    # keeps on every write: rows generated in SQL need them rebuilt (manage.py rollups_rebuild).
    from apps.desk.rollups import request_rollups_rebuild
    from apps.feedback.rollups import rollups_rebuild

    started = time.perf_counter()
    written = {**request_rollups_rebuild(), **rollups_rebuild()}
    _step("rollups rebuilt", started, sum(written.values()))
    with connection.cursor() as cur:
        cur.execute(
            "ANALYZE desk_requestday, feedback_staffratingday, feedback_answerday, feedback_answerprovinceday, "
            "feedback_surveyday"
        )


def cases_load(scale: float) -> None:
    """People's communication cases, generated inside PostgreSQL: round robin over the desks of the
    bench bodies, the seven types in turn, over the same 365 days as the requests. Every 10th case is
    open (every 20th of all at the busiest unit, the first provincial unit: its inbox), the others
    closed 0–11 days after registration against a due time of 3–30 days by type, with a response;
    30 % rated; every 10th referred (an event from the desk to its body's ministry HQ, which then
    handles and closes it); an idea review for each idea; one objection in 700."""
    n_cases = int(FULL["cases"] * scale)
    with connection.cursor() as cur:
        started = time.perf_counter()
        cur.execute(
            """
            CREATE TEMP TABLE bench_case_desks AS
            SELECT row_number() OVER (ORDER BY u.id) AS n, u.id AS unit_id, u.body_id, u.level,
                   (SELECT h.id FROM orgs_orgunit h WHERE h.level = 'hq' AND h.body_id = b.parent_id) AS hq_id
            FROM orgs_orgunit u JOIN orgs_body b ON b.id = u.body_id
            WHERE u.level IN ('province', 'county') AND b.name_fa LIKE 'بنچ %' AND b.parent_id IS NOT NULL
            """
        )
        cur.execute("SELECT count(*), min(unit_id) FILTER (WHERE level = 'province') FROM bench_case_desks")
        n_desks, hot_unit = cur.fetchone()
        types = ["request", "complaint", "report", "consultation", "feelings", "idea", "thanks"]
        due_days = [10, 10, 7, 3, 5, 30, 5]
        with indexes_dropped(cur, "cases_case"):
            cur.execute(
                """
                INSERT INTO cases_case (tracking_code, type, level, channel, state, national_code, full_name, mobile,
                    email, subject, description, official_name, official_post, place, due_at, created_at, body_id,
                    complained_body_id, unit_id, closed_at, handling_unit_id, link_token, objection, rated_at, rating,
                    routing_note, objected_at)
                SELECT 'C' || lpad(g::text, 10, '0'), (%(types)s)[1 + g %% 7],
                       CASE WHEN d.level = 'county' THEN 'county' ELSE 'province' END,
                       (ARRAY['desk', 'phone', 'online'])[1 + g %% 3],
                       CASE WHEN g %% 10 = 0 THEN 'registered' ELSE 'closed' END,
                       '0499370899', 'متقاضی ' || g, '09121234567', '', 'موضوع ' || g, 'شرح', '', '', '',
                       t.created + (%(due)s)[1 + g %% 7] * interval '1 day', t.created, d.body_id,
                       CASE WHEN g %% 7 = 1 THEN d.body_id END, d.unit_id,
                       CASE WHEN g %% 10 = 0 THEN NULL ELSE t.created + (g %% 12) * interval '1 day' END,
                       CASE WHEN g %% 20 = 0 THEN %(hot)s WHEN g %% 10 = 5 THEN coalesce(d.hq_id, d.unit_id)
                            ELSE d.unit_id END,
                       'bench-case-' || g, '',
                       CASE WHEN g %% 10 <> 0 AND g %% 5 < 2 THEN t.created + (g %% 12 + 1) * interval '1 day' END,
                       CASE WHEN g %% 10 <> 0 AND g %% 5 < 2 THEN 1 + (g / 5) %% 5 END,
                       '', CASE WHEN g %% 700 = 1 THEN t.created + interval '15 days' END
                FROM generate_series(1, %(n)s) AS g
                JOIN bench_case_desks d ON d.n = 1 + (g %% %(desks)s)
                CROSS JOIN LATERAL (
                    SELECT %(start)s::timestamptz + (g %% 365) * interval '1 day' + (g %% 410) * interval '1 minute' AS created
                ) AS t
                """,
                {"n": n_cases, "desks": n_desks, "start": DATA_START, "types": types, "due": due_days, "hot": hot_unit},
            )
        _step("cases", started, n_cases)
        started = time.perf_counter()
        cur.execute(
            """
            INSERT INTO cases_caseevent (case_id, at, kind, note, from_unit_id, to_unit_id, referral_kind, public)
            SELECT c.id, c.created_at + interval '1 hour', 'referred', '', c.unit_id, c.handling_unit_id,
                   CASE WHEN c.id % 3 = 0 THEN 'body' ELSE 'upward' END, true
            FROM cases_case c WHERE c.handling_unit_id <> c.unit_id
            """
        )
        events = cur.rowcount
        cur.execute(
            """
            INSERT INTO cases_caseresponse (case_id, outcome, text, unit_id, at)
            SELECT c.id, (ARRAY['resolved', 'rejected', 'outside', 'answered'])[1 + c.id % 4], 'پاسخ',
                   c.handling_unit_id, c.closed_at
            FROM cases_case c WHERE c.closed_at IS NOT NULL
            """
        )
        responses = cur.rowcount
        cur.execute(
            """
            INSERT INTO cases_ideareview (case_id, state, decline_reason, public_title, public_summary, reviewed_at,
                result, result_text, result_at)
            SELECT c.id, (ARRAY['pending', 'declined', 'referred', 'reviewed'])[1 + c.id % 4], '', '', '',
                   CASE WHEN c.id % 4 > 0 THEN c.created_at + interval '5 days' END,
                   CASE WHEN c.id % 4 = 3 THEN (ARRAY['implemented', 'planned'])[1 + c.id % 2] ELSE '' END, '',
                   CASE WHEN c.id % 4 = 3 THEN c.created_at + interval '20 days' END
            FROM cases_case c WHERE c.type = 'idea'
            """
        )
        _step("case events, responses, ideas", started, events + responses + cur.rowcount)
        cur.execute("DROP TABLE bench_case_desks")
        # VACUUM too: the partial indexes of open cases answer counts by index-only scans.
        for table in ("cases_case", "cases_caseevent", "cases_caseresponse", "cases_ideareview"):
            cur.execute(f"VACUUM ANALYZE {table}")


def _timed(fn, runs: int = 5) -> tuple[float, float, int]:
    """(median ms, best ms, queries) of `fn` over warm runs."""
    from django.test.utils import CaptureQueriesContext

    fn()
    times = []
    for _ in range(runs):
        reset_queries()  # DEBUG keeps at most 9000 queries; past that the capture counts none
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[0], len(queries.captured_queries)


def _bench_user(username: str, role: str, unit):
    from django.contrib.auth.models import Group, User

    from apps.orgs.models import Staff

    user, _created = User.objects.get_or_create(username=username)
    user.groups.set([Group.objects.get_or_create(name=role)[0]])
    Staff.objects.get_or_create(
        user=user,
        defaults={
            "first_name": "بنچ", "last_name": username, "personnel_code": f"BN-{username[-12:]}",
            "post": "کارشناس", "unit": unit, "body": unit.body,
        },
    )
    return User.objects.select_related("staff__unit").get(pk=user.pk)


def measure_cases(period: str) -> tuple[int, list[tuple[str, float]]]:
    """The case pages: the busiest handling unit's inbox (first page and its count), a centre
    reviewer's inbox, and the centre's overview (the case figures of the country for the period).
    Returns the number of cases and each page's median ms."""
    from apps.cases.models import Case
    from apps.cases.selectors import case_inbox, cases_in_order
    from apps.core.jalali import Period
    from apps.orgs import roles
    from apps.orgs.models import OrgUnit
    from apps.reports.figures import case_figures
    from apps.reports.scopes import Scope

    with connection.cursor() as cur:
        cur.execute(
            "SELECT handling_unit_id FROM cases_case WHERE state <> 'closed' "
            "GROUP BY handling_unit_id ORDER BY count(*) DESC LIMIT 1"
        )
        row = cur.fetchone()
    if row is None:
        print("  no cases loaded", flush=True)
        return 0, []
    unit = OrgUnit.objects.get(pk=row[0])
    clerk = _bench_user("bench-people-clerk", roles.PEOPLE_CLERK, unit)
    reviewer = _bench_user("bench-centre-reviewer", roles.CENTRE_REVIEWER, unit)
    start, end = Period.parse(period).bounds()

    def inbox(user):
        def page():
            # As the inbox page reads it: the page's ids first, then those rows with their joins.
            qs = case_inbox(user=user)
            return cases_in_order(list(qs.values_list("pk", flat=True)[:50])), qs.count()

        return page

    open_here = case_inbox(user=clerk).count()
    total = Case.objects.count()
    rows = [
        ("unit inbox (first 50)", f"of {open_here:,}", _timed(inbox(clerk))),
        ("centre reviewer inbox (first 50)", f"of {case_inbox(user=reviewer).count():,}", _timed(inbox(reviewer))),
        (
            f"centre overview: case figures {period}",
            "",
            _timed(lambda: case_figures(Scope(Scope.NATIONAL), start, end), 3),
        ),
    ]
    print(f"  {total:,} cases")
    for name, detail, (median, best, queries) in rows:
        label = f"{name} {detail}".strip()
        print(f"  {label:<52} median {median:8.1f} ms  best {best:8.1f} ms  {queries:3d} queries", flush=True)
    return total, [(name, median) for name, _detail, (median, _best, _queries) in rows]


def measure(period: str) -> tuple[int, list[tuple[str, float]]]:
    """Time the national compilation of `period` (figures alone, then the whole report), then run both
    again under tracemalloc for Python's peak: tracemalloc slows WeasyPrint several times over, so
    the timings are taken without it. Returns the number of requests and each time in seconds."""
    from apps.core.jalali import Period
    from apps.reports.figures import report_figures
    from apps.reports.scopes import Scope
    from apps.reports.services import report_compile

    scope = Scope(Scope.NATIONAL)

    def figures():
        return report_figures(scope=scope, period=Period.parse(period), kind="halfyear_national")

    def compiled():
        return report_compile(kind="halfyear_national", period=period, scope=scope)

    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    reset_queries()  # as in _timed
    with CaptureQueriesContext(connection) as queries:
        result = figures()
    figures_s = time.perf_counter() - started
    started = time.perf_counter()
    report = compiled()
    compile_s = time.perf_counter() - started

    tracemalloc.start()
    figures()
    _current, figures_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    report = compiled()  # compiling again replaced the files: read their size from this one
    _current, compile_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    req = result["requests"]
    cases = result["cases"]
    print(
        f"  cases {period}: registered {cases['registered']:,}, due {cases['due']:,}, on time "
        f"{cases['on_time_rate']} %, referrals {cases['referrals']:,}, rated {cases['rated']:,}"
    )
    print(
        f"  national {period}: received {req['received']:,}, answered {req['answered']:,}, "
        f"on time {req['on_time_rate']} %, stages finished {result['stages']['finished']:,}, "
        f"answers {result['satisfaction']['answers']:,}, ratings {result['ratings']['count']:,}, "
        f"services {result['channels']['total']:,}, units ranked {result['ranking']['units_ranked']:,}"
    )
    print(
        f"  figures only          {figures_s:7.1f} s   Python peak {figures_peak / 2**20:6.1f} MiB   "
        f"{len(queries.captured_queries)} queries"
    )
    print(
        f"  figures + PDF + xlsx  {compile_s:7.1f} s   Python peak {compile_peak / 2**20:6.1f} MiB   "
        f"({report.status}, PDF {report.pdf.size / 1024:.0f} KiB)"
    )
    print(f"  process peak RSS      {rss_mb:7.1f} MiB", flush=True)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM desk_servicerequest")
        requests = cur.fetchone()[0]
    return requests, [("compilation: figures only", figures_s), ("compilation: figures + PDF + xlsx", compile_s)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        action="append",
        help="Fraction of the full volume, e.g. 0.1 (repeatable). Default 0.01, 0.1 and 1.",
    )
    parser.add_argument("--period", default="1405-H1", help="The half year to compile (default 1405-H1).")
    parser.add_argument("--skip-load", action="store_true", help="Measure the data already loaded.")
    parser.add_argument(
        "--cases-scale", type=float, help="Scale of the cases alone (default: the same as --scale)."
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it will be filled with synthetic data).")
    call_command("migrate", verbosity=0)
    if args.skip_load:
        print("measuring the loaded data", flush=True)
        measure_cases(args.period)
        measure(args.period)
        return
    org = org_load()
    report_growth, case_growth = [], []
    for scale in sorted(args.scale or [0.01, 0.1, 1.0]):
        print(f"\nscale {scale * 100:g} %: loading", flush=True)
        started = time.perf_counter()
        data_load(scale, org)
        cases_load(args.cases_scale if args.cases_scale is not None else scale)
        _step("load total", started)
        case_growth.append(measure_cases(args.period))
        report_growth.append(measure(args.period))
    for title, growth, unit in (
        (f"national six-monthly compilation of {args.period}, by requests loaded", report_growth, "s"),
        ("case pages (median), by cases loaded", case_growth, "ms"),
    ):
        names = [name for name, _time in growth[-1][1]]
        growth_print(
            title,
            [size for size, _rows in growth],
            [(name, [dict(rows).get(name) for _size, rows in growth]) for name in names],
            unit=unit,
        )


if __name__ == "__main__":
    main()
