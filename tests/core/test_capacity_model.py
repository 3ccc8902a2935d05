"""bench/capacity.py: the model's arithmetic, checked by hand on round inputs, and docs/capacity.md
holding exactly what the model prints."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# 100 bodies of 36,000 requests and staff pages only: 36,000 x 100 / 250 days x 0.25 / 3600 s = 1 a second.
ROUND = (
    "--bodies 100 --requests-per-body 36000 --working-days 250 --peak-share 0.25 --bare-rps 4000 "
    "--staff-pages 100 --tracking 0 --catalog 0 --ratings 0 --surveys 0 --pdfs 0 --api-calls 0 "
    "--dash-per-day 0"
)


def capacity_module():
    spec = importlib.util.spec_from_file_location("bench_capacity", ROOT / "bench" / "capacity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_nation_is_sized_by_hand_arithmetic():
    """GIVEN one request a second at peak and 100 staff pages each
    WHEN the model runs
    THEN a staff page costs a node (13.7 + 53.0 + 38.7 + 20.6) / 4 + 2 x 1000 / 4000 = 32 ms, so 100
    pages/s take 100 x 32 / 2000 = 1.6 nodes: max(2, ceil(1.6 / 0.6)) = 3 nodes; 1/s x 4 SMS x 0.5 s
    = 2 busy processes, ceil(2 / 0.6) = 4; 100 x 10 queries = 1,000 queries/s; 100 x 2 + 1 x 4 SMS x 4
    = 216 Redis ops/s; 100 + 450 + 31 = 581 reports x 5.25 s + 26.7 s x 3.6 = 3,146 s: one process."""
    lines = []
    nation = capacity_module().main(ROUND.split(), out=lines.append)["nation"]

    assert nation["peak"] == pytest.approx(1.0)
    assert nation["staff_ms"] == pytest.approx(32.0)
    assert nation["load"] == pytest.approx(1.6)
    assert nation["nodes"] == 3
    assert nation["sms_procs"] == 4
    assert nation["qps"] == pytest.approx(1000)
    assert nation["redis"] == pytest.approx(216)
    assert nation["night"] == pytest.approx(581 * 5.25 + 26.7 * 3.6)
    assert nation["report_procs"] == 1
    assert "  web nodes                                  nodes = max(2, ceil(1.6 / 0.6)) = 3" in lines


def test_a_province_is_its_share_of_the_nation():
    """A mid-size province: 40 bodies and 450 / 31 counties; twice its weight, twice its load."""
    model = capacity_module()
    one = model.main(ROUND.split(), out=lambda line: None)["province"]
    two = model.main([*ROUND.split(), "--province-weight", "2"], out=lambda line: None)["province"]

    assert one["yearly"] == 40 * 36_000
    assert one["reports"] == pytest.approx(40 + 450 / 31 + 1)
    assert one["national_s"] == 0
    assert two["load"] == pytest.approx(2 * one["load"])


def test_docs_capacity_holds_what_the_model_prints():
    lines = []
    capacity_module().main([], out=lines.append)
    doc = (ROOT / "docs" / "capacity.md").read_text()
    block = re.search(r"<!-- capacity-output[^>]*-->\n```\n(.*?)```", doc, re.S)
    assert block, "docs/capacity.md has no capacity-output block"
    assert block.group(1) == "\n".join(lines).lstrip("\n") + "\n", (
        "run bench/capacity.py and paste its output"
    )


def test_the_readme_summary_agrees_with_what_the_model_prints():
    lines = []
    capacity_module().main([], out=lines.append)
    printed = "\n".join(lines)
    readme = (ROOT / "README.md").read_text()
    # README's table rounds what the model prints; each figure it states must come from these lines.
    for line, in_readme in (
        ("yearly = 1,280 x 20,000 = 25,600,000", "| 800,000; 0.22 | 25,600,000; 7.1 |"),
        ("nodes = max(2, ceil(2.48 / 0.6)) = 5", "| 5 (2.48 nodes' work) |"),
        ("sms_procs = max(1, ceil(14.2 / 0.6)) = 24", "| 1, 1, 1, 1 | 24, 1, 1, 1 |"),
        ("connections = 5 x 5 + 27 + 1 = 53", "| 42 queries/s | 1,329 queries/s, 53 connections |"),
        ("full_sms = 24 / 14.2 = 1.69", "at 1.69 × this demand"),
    ):
        assert line in printed, f"bench/capacity.py no longer prints {line!r}: update README's summary"
        assert in_readme in readme
