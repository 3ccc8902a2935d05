"""Requests per second and p50 / p99 latency of the portal's public pages over HTTP, side by side with a
bare Django view that answers the same bytes and with django-helpdesk 2.6.1's public ticket view.

    .venv/bin/python bench/public_pages.py                      # about 3 minutes of load
    .venv/bin/python bench/public_pages.py --install-helpdesk   # first run: builds the helpdesk's venv
    .venv/bin/python bench/public_pages.py --only /track/ --duration 5 --rounds 1

Every server runs as production runs the portal, on this host: gunicorn with config/gunicorn.py
(WEB_CONCURRENCY=2 sync workers, the app preloaded, the same worker recycling), DEBUG=0, PostgreSQL at 127.0.0.1:5432,
plain HTTP on 127.0.0.1 (SECURE_SSL_REDIRECT=0) and the access log off.

- the portal: static files built by `scripts/build.sh assets`, a database of its own
  (service_desk_pubbench, dropped and created, migrated, `seed_demo --allow-production`) and Redis
  (db 11) for the cache and the rate limits. Every *_RATE of config/settings.py is set to
  1000000/m: the rate-limit checks still run on each request (their cost counts) but never answer 429.
- the floor: bench/bare_site.py, one Django view with no middleware and no database that answers
  the bytes the portal's /services/ answered.
- django-helpdesk 2.6.1 (bench/helpdesk_site/) in a virtualenv of its own (--helpdesk-venv, made
  by --install-helpdesk), with its own database (service_desk_pubbench_helpdesk), one queue and one
  ticket with two public follow-ups, measured on the link it mails to the submitter
  (/view/?ticket=…&email=…&key=…).

The pages are fetched with real values from the demo: a request's tracking code, an employee's QR
token, a public service, the survey of a delivered request and an e-desk service. wrk sends no
cookies (a first visit), except to the survey: the questionnaire opens only for a session in which
the national code was confirmed on /track/, so the bench confirms it once and wrk sends that session.

Each page is first checked with curl (200 and the page it should be); then `wrk -t2 -c16 -d12s
--latency --timeout 10s` runs each target in turn, for --rounds rounds, and the table gives the median
of the rounds. Any answer that is not 2xx or 3xx, a socket error or an answer slower than 10 s makes
the figures of that page meaningless: it is flagged and the script exits 1.

config/gunicorn.py recycles a worker after about 100,000 requests, as production does (the master
replaces it about a second later, so each recycle costs the node one worker for a second);
GUNICORN_MAX_REQUESTS=0 in the environment turns recycling off for all three servers.
"""

# The bench runs fixed tools (psql, redis-cli, curl, wrk, gunicorn, pip) with arguments it builds itself.
# ruff: noqa: S603, S607

import argparse
import html
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
PORTAL_DB = "service_desk_pubbench"
HELPDESK_DB = "service_desk_pubbench_helpdesk"
HELPDESK_VERSION = "2.6.1"
UNLIMITED = "1000000/m"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}

# Real values from the demo, printed as JSON by the portal's interpreter with the bench's environment.
LOOKUP = r"""
import json

import django

django.setup()
from django.db.models import Count

from apps.catalog.models import Channel, SubService
from apps.catalog.selectors import published_q
from apps.desk.models import ServiceRequest
from apps.desk.tracking import case_code_is_case
from apps.desk.views.public import _edesk_unit
from apps.feedback.models import StaffQRCode, SurveyResponse
from apps.feedback.services import survey_open

requests = ServiceRequest.objects.annotate(n=Count("stages")).order_by("-n", "pk")
track = next(sr for sr in requests if not case_code_is_case(sr.tracking_code))
answered = SurveyResponse.objects.values("request_id")
survey = next(
    sr for sr in ServiceRequest.objects.exclude(pk__in=answered).exclude(national_code="").order_by("pk")
    if survey_open(sr)
)
qr = StaffQRCode.objects.filter(revoked_at__isnull=True, staff__active=True).order_by("pk").first()
published = SubService.objects.filter(published_q()).annotate(n=Count("stages")).order_by("-n", "pk")
edesk = next(
    s for s in published.filter(channel__in=[Channel.ELECTRONIC, Channel.HYBRID]) if s.n and _edesk_unit(s)
)
print(json.dumps({
    "track_code": track.tracking_code,
    "survey_code": survey.tracking_code,
    "survey_national_code": survey.national_code,
    "qr_token": qr.token,
    "service_pk": published.first().pk,
    "service_title": published.first().title,
    "edesk_service": edesk.pk,
}))
"""

# One queue, one ticket from a submitter with two public follow-ups; prints the link the submitter is
# mailed, as 2.6.1 builds it (Ticket.ticket_url: ticket_for_url, submitter_email, secret_key).
HELPDESK_SEED = r"""
import json

import django

django.setup()
from django.urls import reverse

from helpdesk.models import FollowUp, Queue, Ticket

queue = Queue.objects.create(title="Permits", slug="permits", email_address="permits@example.org")
ticket = Ticket.objects.create(
    queue=queue, title="Building permit for plot 12", submitter_email="citizen@example.org",
    description="I applied for a building permit three weeks ago and have heard nothing since.",
)
for comment in ("The file was handed to the technical office.", "A site visit is booked for next week."):
    FollowUp.objects.create(ticket=ticket, title="Update", comment=comment, public=True)
print(json.dumps({
    "url": f"{reverse('helpdesk:public_view')}?ticket={ticket.ticket_for_url}"
           f"&email={ticket.submitter_email}&key={ticket.secret_key}",
    "title": ticket.title,
}))
"""


@dataclass
class Target:
    name: str
    port: int
    path: str
    marker: str = ""  # text the page must contain (it is the page meant, not a polite error)
    cookie: str = ""
    kind: str = "portal"  # portal, bare or helpdesk
    rounds: list[dict] = field(default_factory=list)
    size: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


class Stack:
    """What the bench starts: servers (each in a process group of its own), databases, a work folder.
    close() stops and drops all of it, whatever happened before."""

    def __init__(self, keep: bool, redis_url: str):
        self.keep = keep
        self.redis_url = redis_url
        self.work = Path(tempfile.mkdtemp(prefix="pubbench."))
        self.servers: list[subprocess.Popen] = []
        self.databases: list[str] = []

    def database_new(self, name: str) -> None:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(f"CREATE DATABASE {name}")
        self.databases.append(name)

    def serve(self, name: str, argv: list[str], env: dict, port: int, cwd: Path = ROOT) -> None:
        if not port_free(port):
            raise SystemExit(f"port {port} is taken: pick others with --port-base")
        log = open(self.work / f"{name}.log", "wb")  # noqa: SIM115 - kept open for the server's life
        self.servers.append(
            subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
        for _ in range(120):
            if self.servers[-1].poll() is not None:
                break
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code:
                    return
            except httpx.HTTPError:
                time.sleep(0.5)
        raise SystemExit(f"{name} did not start on :{port}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.work / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def logs_print(self) -> None:
        for log in sorted(self.work.glob("*.log")):
            print(f"--- the end of {log.name} (kept with --keep in {self.work})")
            print(self.log_tail(log.stem))

    def close(self) -> None:
        for server in self.servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
        for server in self.servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if self.keep:
            print(f"kept: databases {', '.join(self.databases) or '-'}, logs in {self.work}")
            return
        for name in self.databases:
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)
        subprocess.run(["redis-cli", "-u", self.redis_url, "FLUSHDB"], capture_output=True, check=False)
        shutil.rmtree(self.work, ignore_errors=True)


def psql(sql: str, check: bool = True) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=check,
        capture_output=True,
        text=True,
    )


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def run(argv: list[str], env: dict, cwd: Path = ROOT) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        shown = shlex.join(a if len(a) < 200 else "<script>" for a in argv)
        raise SystemExit(f"failed: {shown}\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


def rate_settings() -> list[str]:
    """Every rate limit config/settings.py reads from the environment (TRACK_RATE, RATING_RATE, …)."""
    return sorted(
        set(re.findall(r'os\.environ\.get\("(\w+_RATE)"', (ROOT / "config/settings.py").read_text()))
    )


def portal_env(port: int, work: Path, redis_url: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{PORTAL_DB}",
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": PORTAL_DB,
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
        "PRIVATE_MEDIA_ROOT": str(work / "media"),
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    env.update(dict.fromkeys(rate_settings(), UNLIMITED))
    return env


def gunicorn_argv(binary: Path, app: str, port: int) -> list[str]:
    return [
        str(binary),
        app,
        "-c",
        str(ROOT / "config/gunicorn.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
        # One control socket per user by default (~/.gunicorn/gunicorn.ctl): three servers, and anyone
        # else's gunicorn on this host, would take it from each other. Serving does not use it.
        "--no-control-socket",
    ]


def portal_up(stack: Stack, port: int) -> tuple[dict, dict]:
    """Build, migrate and seed the portal, start it; return its environment and the demo's values."""
    python = Path(sys.executable)
    print("--- portal: static files, database and demo (DEBUG=0)", flush=True)
    run(["scripts/build.sh", "assets"], {**os.environ, "PYTHON": str(python)})
    env = portal_env(port, stack.work, stack.redis_url)
    stack.database_new(PORTAL_DB)
    subprocess.run(["redis-cli", "-u", stack.redis_url, "FLUSHDB"], capture_output=True, check=False)
    run([str(python), "manage.py", "migrate", "--noinput", "-v", "0"], env)
    run([str(python), "manage.py", "seed_demo", "--allow-production"], env)
    values = json.loads(run([str(python), "-c", LOOKUP], env).strip().splitlines()[-1])
    print(f"--- portal: gunicorn on :{port}", flush=True)
    stack.serve(
        "portal", gunicorn_argv(python.parent / "gunicorn", "config.wsgi:application", port), env, port
    )
    return env, values


def survey_session(port: int, code: str, national_code: str) -> str:
    """The session cookie of a citizen who confirmed the national code on /track/ (the questionnaire
    opens only for such a session). Cookies are handled by hand: they are Secure (DEBUG=0) and this
    is plain HTTP."""
    base = f"http://127.0.0.1:{port}"
    page = httpx.get(f"{base}/track/", params={"code": code})
    csrf_cookie = page.cookies.get("csrftoken") or ""
    token = CSRF.search(page.text)
    if not (csrf_cookie and token):
        raise SystemExit(f"/track/?code={code} has no national-code form to confirm the survey's session")
    confirmed = httpx.post(
        f"{base}/track/",
        data={"code": code, "national_code": national_code, "csrfmiddlewaretoken": token.group(1)},
        headers={"Cookie": f"csrftoken={csrf_cookie}"},
    )
    session = confirmed.cookies.get("sessionid")
    if confirmed.status_code != 200 or not session:
        raise SystemExit(
            f"confirming the national code of {code} on /track/ failed ({confirmed.status_code})"
        )
    return f"sessionid={session}"


def bare_up(stack: Stack, port: int, portal_port: int) -> bytes:
    """Start bench/bare_site.py on the bytes of the portal's /services/; return those bytes."""
    page = httpx.get(f"http://127.0.0.1:{portal_port}/services/").content
    (stack.work / "services.html").write_bytes(page)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bare_site",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "BARE_PAGE": str(stack.work / "services.html"),
        "WEB_CONCURRENCY": "2",
    }
    print(f"--- bare view: gunicorn on :{port} ({len(page):,} bytes)", flush=True)
    stack.serve(
        "bare",
        gunicorn_argv(Path(sys.executable).parent / "gunicorn", "bench.bare_site:application", port),
        env,
        port,
    )
    return page


def helpdesk_venv_ready(venv: Path, install: bool) -> bool:
    """Whether django-helpdesk can run from `venv`; with `install`, make it (python3 -m venv, pip)."""
    python = venv / "bin" / "python"
    if not python.exists():
        if not install:
            return False
        print(f"--- helpdesk: creating {venv}", flush=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import helpdesk, psycopg2, gunicorn; from importlib.metadata import "
            "version; print(version('django-helpdesk'))",
        ],
        capture_output=True,
        text=True,
    )
    if probe.returncode == 0 and probe.stdout.strip() == HELPDESK_VERSION:
        return True
    print(
        f"--- helpdesk: pip install django-helpdesk=={HELPDESK_VERSION} psycopg2-binary gunicorn", flush=True
    )
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            f"django-helpdesk=={HELPDESK_VERSION}",
            "psycopg2-binary",
            "gunicorn",
        ],
        check=True,
    )
    return True


def helpdesk_up(stack: Stack, venv: Path, port: int) -> tuple[str, str]:
    """Migrate and seed django-helpdesk in its own database, start it; return its ticket link and title."""
    python = venv / "bin" / "python"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.helpdesk_site.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HELPDESK_DATABASE_URL": f"{PG}/{HELPDESK_DB}",
        "HELPDESK_MEDIA_ROOT": str(stack.work / "helpdesk-media"),
        "WEB_CONCURRENCY": "2",
        "PYTHONPATH": str(ROOT),
    }
    print("--- helpdesk: database and one ticket", flush=True)
    stack.database_new(HELPDESK_DB)
    run([str(python), "-m", "django", "migrate", "--noinput", "-v", "0"], env)
    ticket = json.loads(run([str(python), "-c", HELPDESK_SEED], env).strip().splitlines()[-1])
    print(f"--- helpdesk: gunicorn on :{port}", flush=True)
    stack.serve(
        "helpdesk",
        gunicorn_argv(venv / "bin" / "gunicorn", "bench.helpdesk_site.wsgi:application", port),
        env,
        port,
    )
    return ticket["url"], ticket["title"]


def check(target: Target) -> str:
    """'' when the page answers 200 and shows what it should (fetched with curl); else what is wrong."""
    body = Path(tempfile.mkstemp(prefix="pubbench-page.")[1])
    try:
        argv = ["curl", "-s", "-o", str(body), "-w", "%{http_code}", target.url]
        if target.cookie:
            argv[1:1] = ["-H", f"Cookie: {target.cookie}"]
        status = subprocess.run(argv, capture_output=True, text=True).stdout.strip()
        content = body.read_bytes()
    finally:
        body.unlink(missing_ok=True)
    target.size = len(content)
    if status != "200":
        return f"answers {status}"
    if target.marker and target.marker.encode() not in content:
        return f"answers 200 but not the page meant (no {target.marker!r} in it)"
    return ""


def wrk(target: Target, duration: int, connections: int) -> dict:
    # wrk gives up on an answer after 2 s by default and leaves it out of the latencies: a slow page
    # would look faster than it is. 10 s keeps every answer in; one slower than that is an error.
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s", target.url]
    if target.cookie:
        argv[1:1] = ["-H", f"Cookie: {target.cookie}"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    """Requests/s, p50 and p99 (ms), answers that were not 2xx/3xx and socket errors of wrk --latency."""

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(map(int, sockets.groups())) if sockets else 0,
    }


def median(target: Target, key: str) -> float:
    return statistics.median(r[key] for r in target.rounds)


def ratio(a: float, b: float | None) -> str:
    return f"{a / b:.2f}×" if b else "-"


def report(targets: list[Target]) -> None:
    bare = next((t for t in targets if t.kind == "bare"), None)
    helpdesk = next((t for t in targets if t.kind == "helpdesk"), None)
    floor = median(bare, "rps") if bare else None
    theirs = median(helpdesk, "rps") if helpdesk else None
    floor_p50 = median(bare, "p50") if bare else None
    theirs_p50 = median(helpdesk, "p50") if helpdesk else None
    print(
        f"\n{'page':<44} {'bytes':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   {'req/s ÷ bare':>12} "
        f"{'÷ helpdesk':>10}   {'p50 ÷ bare':>10} {'÷ helpdesk':>10}"
    )
    for t in targets:
        rps, p50, p99 = median(t, "rps"), median(t, "p50"), median(t, "p99")
        line = f"{t.name:<44} {t.size:>7,} {rps:>8.1f} {p50:>8.2f} {p99:>8.2f}"
        if t.kind == "portal":
            line += (
                f"   {ratio(rps, floor):>12} {ratio(rps, theirs):>10}   {ratio(p50, floor_p50):>10} "
                f"{ratio(p50, theirs_p50):>10}"
            )
        bad = sum(r["non_2xx"] + r["socket_errors"] for r in t.rounds)
        if bad:
            line += f"   !!! {bad} errors"
        print(line)
    print(
        "(median of the rounds; req/s ÷ x: how many of x's requests per second the page manages; "
        "p50 ÷ x: how many times x's median latency)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=12, help="seconds of wrk per target and round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SUBSTRING",
        help="only the targets whose name contains it (repeatable)",
    )
    parser.add_argument("--no-helpdesk", action="store_true")
    parser.add_argument(
        "--install-helpdesk",
        action="store_true",
        help=f"create --helpdesk-venv with django-helpdesk=={HELPDESK_VERSION} when missing",
    )
    parser.add_argument(
        "--helpdesk-venv", type=Path, default=Path.home() / ".cache" / "service-desk-bench" / "helpdesk-venv"
    )
    parser.add_argument(
        "--port-base", type=int, default=18470, help="portal, bare view, helpdesk: this +0, +1, +2"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--keep", action="store_true", help="keep the databases and the logs")
    args = parser.parse_args()
    print("$ " + shlex.join(sys.orig_argv), flush=True)
    if not shutil.which("wrk"):
        print("wrk is missing (apt-get install wrk)", file=sys.stderr)
        return 2

    def wanted(name: str) -> bool:
        return not args.only or any(s in name for s in args.only)

    portal_port, bare_port, helpdesk_port = args.port_base, args.port_base + 1, args.port_base + 2
    with_helpdesk = not args.no_helpdesk and wanted("helpdesk /view/")
    if with_helpdesk and not helpdesk_venv_ready(args.helpdesk_venv, args.install_helpdesk):
        print(
            f"--- helpdesk skipped: no virtualenv at {args.helpdesk_venv}; run once with --install-helpdesk "
            "(or point --helpdesk-venv at one with django-helpdesk, psycopg2-binary and gunicorn)"
        )
        with_helpdesk = False

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stack = Stack(keep=args.keep, redis_url=args.redis_url)
    try:
        _env, v = portal_up(stack, portal_port)
        session = survey_session(portal_port, v["survey_code"], v["survey_national_code"])
        targets = [
            Target("bare Django view (the /services/ bytes)", bare_port, "/", kind="bare"),
            Target(
                "portal /track/?code=",
                portal_port,
                f"/track/?code={v['track_code']}",
                marker='name="national_code"',
            ),
            Target("portal /services/", portal_port, "/services/"),
            Target("portal /q/<token>", portal_port, f"/q/{v['qr_token']}", marker='name="score"'),
            Target(
                "portal /services/<pk>/",
                portal_port,
                f"/services/{v['service_pk']}/",
                marker=html.escape(v["service_title"]),
            ),
            Target(
                "portal /feedback/survey/<code>/",
                portal_port,
                f"/feedback/survey/{v['survey_code']}/",
                marker=f'action="/feedback/survey/{v["survey_code"]}/"',
                cookie=session,
            ),
            Target(
                "portal /e/<service_id>/", portal_port, f"/e/{v['edesk_service']}/", marker='name="mobile"'
            ),
        ]
        if with_helpdesk:
            url, title = helpdesk_up(stack, args.helpdesk_venv, helpdesk_port)
            targets.append(
                Target(
                    "helpdesk /view/?ticket=&email=&key=",
                    helpdesk_port,
                    url,
                    marker=html.escape(title),
                    kind="helpdesk",
                )
            )
        targets = [t for t in targets if wanted(t.name)]
        if any(t.kind == "bare" for t in targets):
            bare_up(stack, bare_port, portal_port)

        problems = [f"{t.name} ({t.url}) {problem}" for t in targets if (problem := check(t))]
        if problems:
            print("\n!!! pages that do not answer as they should; no figures taken:", *problems, sep="\n  ")
            stack.logs_print()
            return 1
        print(
            f"--- wrk -t2 -c{args.connections} -d{args.duration}s --latency: {len(targets)} targets × "
            f"{args.rounds} rounds",
            flush=True,
        )
        for n in range(1, args.rounds + 1):
            for t in targets:
                t.rounds.append(wrk(t, args.duration, args.connections))
                r = t.rounds[-1]
                print(
                    f"round {n}  {t.name:<44} {r['rps']:>8.1f} req/s  p50 {r['p50']:>7.2f} ms  "
                    f"p99 {r['p99']:>7.2f} ms  {r['requests']:>7} requests"
                    + (
                        f"  !!! {r['non_2xx']} non-2xx/3xx, {r['socket_errors']} socket errors or timeouts"
                        if r["non_2xx"] or r["socket_errors"]
                        else ""
                    ),
                    flush=True,
                )
        failed = [t for t in targets if (problem := check(t))]
        report(targets)
        erring = [t for t in targets if any(r["non_2xx"] or r["socket_errors"] for r in t.rounds)]
        if erring or failed:
            print(
                "\n!!! FIGURES NOT VALID: these pages answered errors under load (or after it):",
                *(t.name for t in {id(t): t for t in erring + failed}.values()),
                sep="\n  ",
            )
            stack.logs_print()
            return 1
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
