"""Units and labels that cannot disagree: a rate's base comes from one place (``per``), repeated measures are
shown once, and "the N forces" is counted from the registry, never assumed."""

from __future__ import annotations

import csv
import io
import re

import pytest

from conftest import SAMPLE


def _csv(result):
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.mark.parametrize("per", [None, "1000", "100000", "1000000"])
def test_pooled_and_simple_peer_rates_share_the_rows_base(run, per):
    # Kent with Surrey and Sussex, homicide (default base: per million). Whatever the base, the group's
    # pooled rate is its crimes over its people times that base (a hand calculation from the numerator and
    # denominator the row carries), and both the simple mean and the pooled rate lie between the lowest
    # and highest member rate on the same base.
    args = ["compare", "--force", "kent", "--peers", "Surrey,Sussex", "--measure", "homicide", "--format", "csv"]
    rows = _csv(run(*args, *(["--per", per] if per else [])))
    base = int(per or 1_000_000)
    # Each member's own rate on that base: one compare of the three forces (the same rows as three single-force
    # runs; tests/test_pipelines.py checks that a call for several forces is the single-force calls).
    every = _csv(run("compare", "--force", "kent", "--force", "surrey", "--force", "sussex", "--measure", "homicide",
                     "--format", "csv", *(["--per", per] if per else [])))
    by_area = {r["area"]: float(r["value"]) for r in every if r["statistic"] == f"rate_per_{base}"
               and r["area"] != "England and Wales"}
    assert sorted(by_area) == ["Kent", "Surrey", "Sussex"]
    members = list(by_area.values())
    pooled = next(r for r in rows if r["statistic"] == f"pooled_rate_per_{base}")
    simple = next(r for r in rows if r["area_code"] == "peer_group" and r["statistic"] == f"rate_per_{base}")
    assert float(pooled["value"]) == pytest.approx(int(pooled["numerator"]) * base / int(pooled["denominator"]))
    for value in (float(pooled["value"]), float(simple["value"])):
        assert min(members) <= value <= max(members)
    assert pooled["per"] == simple["per"] == str(base)


def test_trend_of_homicide_is_per_million_not_zero(run):
    # ONS states homicide per million; per 1,000 every point printed 0.0.
    out = run("trend", "--force", "kent", "--measure", "homicide", "--format", "table")
    assert out.exit_code == 0, out.output
    assert "rate per million population" in out.stdout
    body = [line.split() for line in out.stdout.splitlines() if re.match(r"[A-Z][a-z]{2} \d{4}\s", line)]
    assert body and all(float(cells[2]) > 0 for cells in body)
    rows = _csv(run("trend", "--force", "kent", "--measure", "homicide", "--format", "csv"))
    assert {r["statistic"] for r in rows} == {"rate_per_1000000"}
    for r in rows:  # value = count x 1,000,000 / population, from the row's own numerator and denominator
        assert float(r["value"]) == pytest.approx(int(r["numerator"]) * 1e6 / int(r["denominator"]))


def test_a_measure_asked_for_twice_is_shown_once(run):
    once = _csv(run("compare", "--force", "kent", "--measure", "robbery", "--format", "csv"))
    twice = _csv(run("compare", "--force", "kent", "--measure", "robbery", "--measure", "robbery",
                     "--format", "csv"))
    assert twice == once
    keys = [(r["area_code"], r["measure"], r["statistic"], r["base_period_end"]) for r in twice]
    assert len(keys) == len(set(keys))


def test_the_number_of_forces_is_counted_from_the_registry(run, tmp_path):
    # A registry where Warwickshire is not a territorial force: England and Wales is 42 forces, and no
    # sentence may still say "the 43".
    text = (SAMPLE.parent / "crimestat" / "data" / "forces.csv").read_text(encoding="utf-8")
    assert text.count(",Warwickshire,West Midlands,England,territorial,") == 1
    (tmp_path / "forces.csv").write_text(
        text.replace(",Warwickshire,West Midlands,England,territorial,", ",Warwickshire,West Midlands,England,national,"),
        encoding="utf-8")
    out = run("compare", "--force", "kent", "--forces", tmp_path / "forces.csv", "--format", "markdown")
    assert out.exit_code == 0, out.output
    assert " 43 " not in out.stdout and "all 43" not in out.stdout
    assert "the 42 territorial police forces" in out.stdout
