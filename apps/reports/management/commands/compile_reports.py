"""Compile the periodic reports of a Jalali period now, in this process, and say what was produced."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.jalali import Period
from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import KIND_PERIOD, ReportError, report_compile, scopes_for


class Command(BaseCommand):
    help = (
        "Compile (or compile again) the reports of a Jalali period: --period 1405-Q2 compiles the "
        "quarterly reports of every body, county and province; 1405-B3 the audit summaries; 1405-H1 "
        "the national compilation. --kind and --scope (national, province:<id>, county:<id>, "
        "body:<id>) narrow it to one report. Figures come out the same every time; files are replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="1405-Q2, 1405-B3 or 1405-H1 (B3-1405 too).")
        parser.add_argument("--kind", choices=Report.Kind.values, help="One kind of report.")
        parser.add_argument("--scope", help="national, province:<id>, county:<id> or body:<id>.")

    def handle(self, *args, period: str, kind: str | None, scope: str | None, **options) -> None:
        try:
            parsed = Period.parse(period)
            only = Scope.parse(scope) if scope else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        kinds = [kind] if kind else [k for k, letter in KIND_PERIOD.items() if letter == parsed.kind]
        if not kinds:
            raise CommandError(f"No report covers a period like {parsed}: give a quarter, a bimonth or a half.")
        if kind and KIND_PERIOD[kind] != parsed.kind:
            raise CommandError(
                f"{kind} covers periods like {parsed.year}-{KIND_PERIOD[kind]}1, not {parsed}."
            )
        jobs = [(k, s) for k in kinds for s in ([only] if only else scopes_for(k))]
        if not jobs:
            raise CommandError("Nothing to compile: no org unit exists yet.")
        done = failed = 0
        for job_kind, job_scope in jobs:
            try:
                report = report_compile(kind=job_kind, period=parsed, scope=job_scope)
            except ReportError as exc:
                raise CommandError(str(exc)) from exc
            except Exception as exc:  # recorded on the row; carry on with the others
                failed += 1
                self.stderr.write(f"✗ {job_kind} {parsed} {job_scope.key}: {exc}")
                continue
            done += 1
            self.stdout.write(
                f"✓ {job_kind} {parsed} {job_scope.key} — {report.status}: {report.pdf.name}, {report.xlsx.name}"
            )
        summary = f"{parsed}: {done} report(s) compiled, {failed} failed."
        self.stdout.write(self.style.SUCCESS(summary) if not failed else self.style.WARNING(summary))
        if failed:
            raise CommandError(f"{failed} report(s) failed; see the errors above.")
