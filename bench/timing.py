"""One timer for the bench scripts (wall and CPU seconds and the number of database queries of a call)
and one growth table (how each measured time grows with the data)."""

import time

from django.db import connection


def timed(label: str, fn, *, width: int = 44):
    """Run fn(), print its wall time, CPU time and query count on one line; return (result, wall seconds)."""
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<{width}} {seconds:7.2f} s wall {cpu:7.2f} s cpu {queries:7d} queries")
    return result, seconds


def growth_verdict(time_ratio: float, data_ratio: float) -> str:
    """Flat: at most twice the time for ten times the data or more. Linear: the time grew at most 1.5
    times as much as the data (room for noise at the smallest size). Anything else is a finding."""
    if time_ratio <= 2 and data_ratio >= 10:
        return "flat"
    if time_ratio <= 1.5 * data_ratio:
        return "linear"
    return "faster than linear"


def _figure(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"


def growth_print(title: str, sizes: list[int], rows: list[tuple[str, list[float | None]]], *, unit: str) -> None:
    """Print each measured item's time at each data size, the last time over the first beside the last
    size over the first, and the verdict (growth_verdict). `rows` holds (item, one time per size)."""
    print(f"\nGrowth: {title}; {unit} at each size")
    if len(sizes) < 2:
        print("  one size measured: nothing to compare")
        return
    if sizes[-1] <= sizes[0]:
        print("  the data did not grow between the first size and the last: nothing to compare")
        return
    width = max([len(name) for name, _times in rows] + [34])
    data_ratio = sizes[-1] / sizes[0] if sizes[0] else float("inf")
    print(
        f"{'item':<{width}} " + " ".join(f"{size:>11,}" for size in sizes) + f" {'time ×':>8} {'data ×':>8}  verdict"
    )
    for name, times in rows:
        figures = " ".join(f"{_figure(t):>11}" for t in times)
        first, last = times[0], times[-1]
        if not first or last is None:
            print(f"{name:<{width}} {figures} {'—':>8} {_figure(data_ratio):>8}  —")
            continue
        ratio = last / first
        shown = f"{ratio:.2f}" if ratio < 1000 else f"{ratio:,.0f}"
        print(f"{name:<{width}} {figures} {shown:>8} {_figure(data_ratio):>8}  {growth_verdict(ratio, data_ratio)}")
