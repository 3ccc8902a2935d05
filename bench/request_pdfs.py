"""Time the two PDFs a request's people download most: its receipt (Table 3) and its response
(Table 4), rendered as the views render them, on a throwaway SQLite file unless DATABASE_URL is set.

    .venv/bin/python bench/request_pdfs.py            # 30 renders of each after a warm-up
    .venv/bin/python bench/request_pdfs.py 100

Prints the median, fastest and slowest ms of each. bench/capacity.py takes the receipt's and the
response's mean median as its `--pdf-ms` (a PDF view's work, less the bare request's).
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.throwaway import django_setup

THROWAWAY = django_setup()

from django.core.management import call_command  # noqa: E402

from apps.core.pdf import warm_up  # noqa: E402
from apps.desk.views.requests import receipt_pdf_bytes, response_pdf_bytes  # noqa: E402
from tests.factories import answered_request  # noqa: E402


def ms_of(render, runs: int) -> list[float]:
    render()  # the first render of a process loads its fonts and templates
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        render()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    if THROWAWAY:
        call_command("migrate", verbosity=0)
    warm_up()
    sr = answered_request()
    medians = []
    for name, render in (("receipt", lambda: receipt_pdf_bytes(sr)), ("response", lambda: response_pdf_bytes(sr))):
        times = ms_of(render, runs)
        medians.append(statistics.median(times))
        print(f"{name:9} {runs} renders: median {medians[-1]:.1f} ms, fastest {min(times):.1f}, slowest {max(times):.1f}")
    print(f"pdf-ms (bench/capacity.py): {statistics.mean(medians):.0f}")


if __name__ == "__main__":
    main()
