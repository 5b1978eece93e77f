"""Rank intervals by simulation from the random-effects model (metrics/ranks.py).

Reference values are analytic (normal probabilities from scipy), not crimestat's own output; the figures on
the real data are the issue's "Done when" (43 intervals containing their rank, at least 15 wider than one place).
"""

from datetime import date

import numpy as np
import pytest

from conftest import scipy_normal
from crimestat.metrics.ranks import rank_intervals


def test_two_units_far_apart_keep_their_places():
    low, high = rank_intervals([0.0, 1.0], [0.001, 0.001], 0.5, 0.25)
    assert list(low) == [2, 1] and list(high) == [2, 1]


def test_rank_probability_matches_the_normal_calculation():
    stats = scipy_normal()
    # Two units, tau2 large (no shrinkage to speak of: B = 1 / 1.0001): unit A is first when theta_A > theta_B.
    # P = Phi((0.1 - 0) / sqrt(0.01 + 0.01)) = Phi(0.7071) = 0.760. A's 95% interval is then 1-2 (it is
    # second in 24% of draws), and an 80% interval is 1-2 too; a 40% interval (30th to 70th percentile) is 1.
    p_first = stats.norm.cdf(0.1 / np.sqrt(0.02))
    assert p_first == pytest.approx(0.760, abs=1e-3)
    low, high = rank_intervals([0.1, 0.0], [0.01, 0.01], 0.05, 100.0)
    assert (low[0], high[0]) == (1, 2)
    low, high = rank_intervals([0.1, 0.0], [0.01, 0.01], 0.05, 100.0, confidence=0.4)
    assert (low[0], high[0]) == (1, 1)


def test_reproducible_and_seeded():
    y, v = np.log(np.linspace(0.03, 0.09, 43)), 1 / np.linspace(500, 40000, 43)
    first = rank_intervals(y, v, float(np.mean(y)), 0.1)
    assert all(np.array_equal(a, b) for a, b in zip(first, rank_intervals(y, v, float(np.mean(y)), 0.1)))
    other = rank_intervals(y, v, float(np.mean(y)), 0.1, seed=7)
    assert all(np.all(np.abs(a - b) <= 1) for a, b in zip(first, other))  # the seed moves an end by a place at most


def test_refuses_bad_input():
    with pytest.raises(ValueError, match="variances above 0"):
        rank_intervals([0.1, 0.2], [0.01, 0.0], 0.0, 0.1)
    with pytest.raises(ValueError, match="tau2"):
        rank_intervals([0.1, 0.2], [0.01, 0.01], 0.0, -1.0)


def test_residential_burglary_rank_intervals(run):
    # The "Done when": every force's interval contains its rank, and at least 15 are wider than one place.
    import csv
    import io

    result = run("rank", "--measure", "residential_burglary", "--to", "2025-06", "--format", "csv", "-q")
    assert result.exit_code == 0
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["statistic"] == "rank"]
    ranked = [r for r in rows if r["value"]]
    assert len(ranked) == 43
    assert all(float(r["ci_low"]) <= float(r["value"]) <= float(r["ci_high"]) for r in ranked)
    assert sum(float(r["ci_high"]) > float(r["ci_low"]) for r in ranked) >= 15
    table = run("rank", "--measure", "residential_burglary", "--to", "2025-06", "--format", "table", "-q").stdout
    warwickshire = next(r for r in ranked if r["area"] == "Warwickshire")
    shown = f"{warwickshire['value']} ({int(float(warwickshire['ci_low']))}-{int(float(warwickshire['ci_high']))})"
    assert f"{shown}  Warwickshire" in table
    assert "Rank (95% interval): each force's place" in " ".join(table.split())


def test_rank_intervals_on_the_2014_reproduction(dataset):
    from crimestat.analyses.rank import rank

    ranking = rank(dataset, "crime_excl_fraud", date(2014, 6, 30))
    places = [(e.rank, e.position.ci_low, e.position.ci_high) for e in ranking.entries if e.rank is not None]
    assert len(places) == 43 and all(low <= place <= high for place, low, high in places)
