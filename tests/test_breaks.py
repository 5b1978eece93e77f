"""Series breaks found in the data, not written in code."""

import pandas as pd
import pytest

from crimestat.model.breaks import ENDED, NOT_STARTED, OK, PARTIAL_END, PARTIAL_START, why_unusable
from crimestat.model.measures import prepare
from crimestat.model.periods import as_period

T = as_period  # period ends are plain dates


def test_real_burglary_redefinition_and_fraud_move(dataset):
    life = dataset.counts.lifetimes
    domestic, residential = life["Domestic burglary"], life["Residential burglary"]
    assert domestic.stopped == T("2017-03-31") and domestic.started is None
    assert residential.started == T("2017-03-31") and residential.stopped is None
    assert domestic.status[T("2017-03-31")] == OK
    assert domestic.status[T("2017-06-30")] == PARTIAL_END
    assert domestic.status[T("2018-03-31")] == ENDED
    assert residential.status[T("2014-12-31")] == NOT_STARTED
    assert residential.status[T("2017-12-31")] == PARTIAL_START
    assert residential.status[T("2018-03-31")] == OK
    assert life["Fraud offences"].stopped == T("2013-03-31")
    assert life["Robbery"].started is None and life["Robbery"].stopped is None


def synthetic(totals: dict[str, list[int]]) -> pd.DataFrame:
    ends = pd.date_range("2015-03-31", periods=len(next(iter(totals.values()))), freq="QE")
    return pd.DataFrame(
        [("A", end, 12, cat, n) for cat, series in totals.items() for end, n in zip(ends, series)],
        columns=["area_code", "period_end", "months", "category", "count"],
    )


def test_renamed_group_is_continuous_only_within_a_measure_holding_both():
    # old is replaced by new from October 2015: the three rolling years straddling it are partial.
    counts = synthetic({"old": [100, 100, 100, 75, 50, 25, 0, 0], "new": [0, 0, 0, 25, 50, 75, 100, 100]})
    life = prepare(counts, ["A"]).lifetimes
    periods = sorted(counts.period_end.unique())
    assert [life["old"].status[T(p)] for p in periods] == [OK] * 3 + [PARTIAL_END] * 3 + [ENDED] * 2
    assert [life["new"].status[T(p)] for p in periods] == [NOT_STARTED] * 3 + [PARTIAL_START] * 3 + [OK] * 2
    both = [life["old"], life["new"]]
    assert all(why_unusable(both, T(p)) is None for p in periods)
    assert why_unusable([life["old"]], T(periods[3])) == (
        "series break: 'old' is not recorded by forces in full after the 12 months to September 2015"
    )
    assert why_unusable([life["new"]], T(periods[0])) == (
        "series break: 'new' is recorded from October 2015; the first complete 12 months end in September 2016"
    )


def test_straggling_placeholder_counts_do_not_hide_a_break():
    counts = synthetic({"old": [1000, 1000, 1000, 1000, 500, 3, 2, 1]})
    life = prepare(counts, ["A"]).lifetimes["old"]
    assert life.stopped is not None
    assert life.status[T("2016-09-30")] == ENDED


@pytest.mark.parametrize("measure", ["crime_excl_fraud", "victim_based_crime"])
def test_composites_are_available_through_the_burglary_change(dataset, measure):
    for period in dataset.counts.periods:
        assert dataset.counts.count(measure, "E23000017", period).ok


def test_lifetimes_are_judged_on_the_territorial_forces_only():
    """Another area's rows (a national body's) neither add categories nor change a category's totals."""
    counts = synthetic({"old": [1000, 1000, 1000, 1000, 500, 3, 2, 1]})
    national = synthetic({"old": [1000] * 8, "fraud": [50] * 8}).assign(area_code="X")
    life = prepare(pd.concat([counts, national], ignore_index=True), ["A"]).lifetimes
    assert set(life) == {"old"}
    assert life["old"].status[T("2016-09-30")] == ENDED
