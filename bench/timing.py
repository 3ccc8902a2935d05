"""One timer for the bench scripts: wall and CPU seconds and the number of database queries of a call."""

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
