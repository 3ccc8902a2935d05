"""The soak test's load (run it through bench/soak.sh, which brings the stack up).

50 clients on 127.0.0.1 for --seconds: 10 desk clerks registering requests through the intake form,
10 officers and supervisors completing stages from their inboxes, 30 citizens tracking requests and
rating staff through the QR page. Each client has an address of its own (X-Forwarded-For behind one
trusted proxy hop), a session of its own and a think time of 0.2–1 s. Half-way, Redis (cache and
broker) is stopped for --outage seconds and started again, empty.

Afterwards, once beat's sweep has caught up, it checks: no 5xx; every request registered during
the soak has a complete history (registered, a hand-over for every stage reached, a completion
for every stage done); every SMS row is SENT and appears exactly once in the SMS file, and no
message in the file lacks its row. Prints the figures and exits 1 on any failure.
"""

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import django
import httpx

PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SERVICE_PASSWORD = os.environ.get("DEMO_PASSWORD", "miz-khedmat-1405")


def _outbox_models() -> list:
    """The concrete applicant-message tables (apps.core.models.OutboxMessage) that keep a provider id."""
    from django.apps import apps as django_apps

    from apps.core.models import OutboxMessage

    return [
        model for model in django_apps.get_models()
        if issubclass(model, OutboxMessage) and any(f.name == "provider_id" for f in model._meta.fields)
    ]


def national_code(rng: random.Random) -> str:
    """A random valid national code (checksum of shared/NOTES.md), never all-same digits."""
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        if len(set(digits)) > 1 and digits[3:9] != [0] * 6:
            break
    r = sum(d * (10 - i) for i, d in enumerate(digits)) % 11
    return "".join(map(str, digits)) + str(r if r < 2 else 11 - r)


class Stats:
    def __init__(self):
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter] = defaultdict(Counter)
        self.errors: list[str] = []
        self.during_outage: Counter = Counter()

    def record(self, kind: str, response: httpx.Response | None, seconds: float, outage: bool) -> None:
        code = response.status_code if response is not None else 0
        self.latency[kind].append(seconds * 1000)
        self.status[kind][code] += 1
        if outage:
            self.during_outage[code // 100 * 100 if code else 0] += 1
        if code >= 500 or code == 0:
            self.errors.append(f"{kind} {code} {response.request.url if response is not None else ''}")


class Soak:
    def __init__(self, base: str, seconds: int, outage: int, redis_port: int):
        self.base, self.seconds, self.outage_seconds, self.redis_port = base, seconds, outage, redis_port
        self.stats = Stats()
        self.codes: list[str] = []
        self.tokens: list[str] = []
        self.services: list[int] = []
        self.registered: list[int] = []
        self.refused: list = []
        self.outage = False
        self.deadline = 0.0

    def client(self, n: int) -> httpx.AsyncClient:
        ip = f"10.{n // 250}.{n % 250}.{random.randrange(1, 250)}"
        return httpx.AsyncClient(base_url=self.base, verify=False, timeout=60, follow_redirects=False,  # noqa: S501
                                 headers={"Referer": self.base + "/", "X-Forwarded-For": ip})

    async def call(self, kind: str, coro):
        started = time.monotonic()
        response = None
        try:
            response = await coro
        except httpx.HTTPError as exc:
            self.stats.errors.append(f"{kind} {exc!r}")
        self.stats.record(kind, response, time.monotonic() - started, self.outage)
        return response

    async def login(self, client: httpx.AsyncClient, username: str) -> bool:
        page = await self.call("login page", client.get("/accounts/login/"))
        token = CSRF.search(page.text).group(1) if page is not None else ""
        done = await self.call("login", client.post("/accounts/login/", data={
            "username": username, "password": SERVICE_PASSWORD, "csrfmiddlewaretoken": token, "next": "/"}))
        return done is not None and done.status_code == 302

    async def think(self):
        await asyncio.sleep(random.uniform(0.2, 1.0))

    async def clerk(self, n: int):
        rng = random.Random(n)
        async with self.client(n) as client:
            if not await self.login(client, "clerk"):
                return
            while time.monotonic() < self.deadline:
                service = rng.choice(self.services)
                form = await self.call("intake form", client.get(f"/desk/intake/{service}/"))
                if form is None or form.status_code != 200:
                    await self.think()
                    continue
                token = CSRF.search(form.text).group(1)
                done = await self.call("intake", client.post(f"/desk/intake/{service}/", data={
                    "national_code": national_code(rng), "full_name": f"متقاضی آزمون {n}",
                    "mobile": f"0912{rng.randrange(10**7):07d}", "incomplete_reason": "آزمون پایداری",
                    # Read only by services to legal entities (G2B).
                    "legal_id": "77111986110", "legal_name": "شرکت آزمون پایداری",
                    "confirm_duplicate": "on", "csrfmiddlewaretoken": token}))
                if done is not None and done.status_code == 200:
                    self.refused.append(re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>([^<]{0,200})', done.text)[:2])
                if done is not None and done.status_code == 302:
                    self.registered.append(int(re.search(r"/requests/(\d+)/", done.headers["location"]).group(1)))
                    receipt = await self.call("receipt", client.get(done.headers["location"]))
                    text = receipt.text.translate(PERSIAN_DIGITS) if receipt is not None else ""
                    match = re.search(r"(\d{3})-(\d{4})-(\d{4})", text)
                    if match:
                        self.codes.append("".join(match.groups()))
                await self.think()

    async def officer(self, n: int, username: str):
        async with self.client(n) as client:
            if not await self.login(client, username):
                return
            while time.monotonic() < self.deadline:
                inbox = await self.call("inbox", client.get("/desk/inbox/"))
                links = re.findall(r'href="(/desk/requests/\d+/)"', inbox.text) if inbox is not None else []
                if not links:
                    await self.think()
                    continue
                detail = await self.call("request page", client.get(random.choice(links)))
                action = re.search(r'action="(/desk/stages/\d+/action/)"', detail.text) if detail else None
                version = re.search(r'name="version" value="(\d+)"', detail.text) if detail else None
                if action and version:
                    token = CSRF.search(detail.text).group(1)
                    await self.call("stage action", client.post(action.group(1), data={
                        "action": "complete", "version": version.group(1), "note": "بررسی شد",
                        "csrfmiddlewaretoken": token}))
                await self.think()

    async def citizen(self, n: int):
        async with self.client(n) as client:
            i = 0
            while time.monotonic() < self.deadline:
                i += 1
                if self.codes:
                    await self.call("track", client.get(f"/track/?code={random.choice(self.codes)}"))
                if i % 4 == 0 and self.tokens:
                    token = random.choice(self.tokens)
                    page = await self.call("rating page", client.get(f"/q/{token}"))
                    match = CSRF.search(page.text) if page is not None and page.status_code == 200 else None
                    if match:
                        await self.call("rating", client.post(f"/q/{token}", data={
                            "score": random.choice([3, 4, 5]), "csrfmiddlewaretoken": match.group(1)}))
                if i % 10 == 0:
                    await self.call("catalog", client.get("/services/"))
                await self.think()

    def redis(self, *args: str) -> None:
        subprocess.run(args, check=False, capture_output=True)  # noqa: S603 - fixed tools and arguments

    async def redis_outage(self):
        await asyncio.sleep(self.seconds / 2)
        print(f"[soak] {self.seconds / 2:.0f} s: Redis stopped for {self.outage_seconds} s", flush=True)
        self.outage = True
        self.redis("redis-cli", "-p", str(self.redis_port), "shutdown", "nosave")
        await asyncio.sleep(self.outage_seconds)
        self.redis("redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--daemonize", "yes",
                   "--save", "", "--appendonly", "no")
        self.outage = False
        print("[soak] Redis started again (empty: the queued tasks are gone)", flush=True)

    async def run(self):
        self.deadline = time.monotonic() + self.seconds
        jobs = [self.clerk(n) for n in range(10)]
        jobs += [self.officer(10 + n, "supervisor" if n % 2 else "officer") for n in range(10)]
        jobs += [self.citizen(20 + n) for n in range(30)]
        await asyncio.gather(*jobs, self.redis_outage())


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else (values[0] if values else 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--outage", type=int, default=15)
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("--drain", type=int, default=240, help="seconds to wait for beat's sweep afterwards")
    args = parser.parse_args()
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import warnings

    from django.conf import settings
    from django.db.models import Count, Q

    from apps.catalog.models import SubService
    from apps.desk.models import Notification, RequestEvent, RequestStage, ServiceRequest
    from apps.feedback.models import StaffQRCode, StaffRating

    warnings.filterwarnings("ignore", message="Unverified HTTPS request")
    soak = Soak(args.base, args.seconds, args.outage, args.redis_port)
    soak.codes = list(ServiceRequest.objects.values_list("tracking_code", flat=True)[:200])
    soak.tokens = list(StaffQRCode.objects.filter(revoked_at__isnull=True).values_list("token", flat=True))
    soak.services = list(SubService.objects.filter(active=True, units__isnull=False).annotate(n=Count("stages"))
                         .filter(n__gt=0).values_list("pk", flat=True).distinct())
    before_requests, before_ratings = ServiceRequest.objects.count(), StaffRating.objects.count()
    started = time.monotonic()
    asyncio.run(soak.run())
    load_seconds = time.monotonic() - started

    # Beat's sweep sends what the outage left pending; wait for it (as an operator would).
    soak_requests = ServiceRequest.objects.filter(pk__in=soak.registered)
    drain_started = time.monotonic()
    while time.monotonic() - drain_started < args.drain:
        unsent = Notification.objects.filter(request__in=soak_requests).exclude(state=Notification.State.SENT).count()
        if unsent == 0:
            break
        time.sleep(5)
    drained = time.monotonic() - drain_started

    failures = list(dict.fromkeys(soak.stats.errors))[:20]
    # Every request's history complete.
    incomplete = []
    for sr in soak_requests.prefetch_related("stages", "events"):
        actions = Counter((e.action, e.stage_id) for e in sr.events.all())
        if actions[("registered", None)] != 1:
            incomplete.append(f"{sr.tracking_code}: registered ×{actions[('registered', None)]}")
        for stage in sr.stages.all():
            reached = stage.state in (RequestStage.State.ACTIVE, RequestStage.State.DONE, RequestStage.State.ON_HOLD)
            if reached and not actions[("handed_over", stage.pk)]:
                incomplete.append(f"{sr.tracking_code}: stage {stage.order} reached without a hand-over")
            if stage.state == RequestStage.State.DONE and actions[("stage_done", stage.pk)] < 1:
                incomplete.append(f"{sr.tracking_code}: stage {stage.order} done without its event")
    failures += incomplete[:20]
    # Every notification sent exactly once.
    sms_file = Path(settings.SMS_FILE)
    lines = [json.loads(line) for line in sms_file.read_text().splitlines()] if sms_file.exists() else []
    sent_ids = Counter(m["id"] for m in lines)
    rows = Notification.objects.filter(channel=Notification.Channel.SMS)
    not_sent = rows.exclude(state=Notification.State.SENT).filter(request__in=soak_requests).count()
    # Every outbox table that keeps the provider's id (requests, cases, meeting bookings): the demo's
    # cases and meetings wrote to the same SMS file before the load.
    row_ids = Counter()
    for model in _outbox_models():
        row_ids.update(
            model.objects.filter(channel=model.Channel.SMS, state=model.State.SENT).values_list("provider_id", flat=True)
        )
    twice = [i for i, n in sent_ids.items() if n > 1]
    orphans = [i for i in sent_ids if i not in row_ids]
    missing = [i for i in row_ids if i not in sent_ids and i.startswith("file-")]
    if not_sent:
        failures.append(f"{not_sent} SMS of soak requests not sent {drained:.0f} s after the load")
    if twice:
        failures.append(f"{len(twice)} SMS sent more than once, e.g. {twice[:3]}")
    if orphans or missing:
        failures.append(f"SMS file and rows disagree: {len(orphans)} lines without a row, {len(missing)} rows without a line")

    total = sum(len(v) for v in soak.stats.latency.values())
    print(f"\n[soak] {load_seconds:.0f} s, 50 clients, {total} requests ({total / load_seconds:.0f}/s), "
          f"Redis down {args.outage} s half-way")
    print(f"[soak] {'kind':<14} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for kind, values in sorted(soak.stats.latency.items()):
        codes = " ".join(f"{c}×{n}" for c, n in sorted(soak.stats.status[kind].items()))
        print(f"[soak] {kind:<14} {len(values):>6} {percentile(values, 50):>8.0f} {percentile(values, 95):>8.0f} "
              f"{percentile(values, 99):>8.0f}  {codes}")
    if soak.refused:
        print(f"[soak] intake forms shown again with an error: {len(soak.refused)}, e.g. {soak.refused[:2]}")
    during = " ".join(f"{c}×{n}" for c, n in sorted(soak.stats.during_outage.items()))
    print(f"[soak] during the Redis outage: {during or 'no requests'}")
    registered = soak_requests.count()
    done_stages = RequestStage.objects.filter(request__in=soak_requests, state=RequestStage.State.DONE).count()
    print(f"[soak] registered {registered} requests ({ServiceRequest.objects.count() - before_requests} in the "
          f"database), {done_stages} of their stages completed, "
          f"{StaffRating.objects.count() - before_ratings} ratings; "
          f"{RequestEvent.objects.filter(request__in=soak_requests).count()} history events checked")
    sent = rows.filter(request__in=soak_requests, state=Notification.State.SENT)
    late = sent.filter(~Q(attempts=1)).count()
    print(f"[soak] SMS of soak requests: {sent.count()} sent, each exactly once in the SMS file "
          f"({late} needed more than one attempt); the sweep caught up {drained:.0f} s after the load")
    print(f"[soak] 5xx: {sum(n for k in soak.stats.status.values() for c, n in k.items() if c >= 500)}")
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"[soak] {'passed' if not failures else 'FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
