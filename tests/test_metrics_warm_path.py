"""The warm path's short cuts give the figures and the words of the plain computation, bit for bit.

Measure counts are planned once per (measure, period) and read from the count cube in array steps, forces
in bulk for the change tests; exact Poisson bounds and the change test are kept per count; denominators per
question; scalar rates skip numpy; charts are laid out without leaving a layout engine behind. Each test
computes the expected value the plain way (a loop over cells written out here, as the code did before, or the
array form of the same function) and requires exact equality: these are the same figures, not close ones.
"""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crimestat.dataset import DataPaths, load_dataset
from crimestat.metrics import poisson
from crimestat.metrics.distributions import gamma_p_inverse
from crimestat.metrics.rates import rate_per
from crimestat.model.breaks import why_unusable
from crimestat.model.denominators import Denominators
from crimestat.model.forces import ENGLAND_AND_WALES_CODE
from crimestat.model.measures import MISSING, Count, CountTable, MeasureCounts

from conftest import SAMPLE


@pytest.fixture(scope="module")
def home_office():
    """The default release (Home Office tables: whole-measure series breaks)."""
    return load_dataset(DataPaths(SAMPLE))


def _by_cell(counts: MeasureCounts, measure: str, area: str, period: date) -> Count:
    """A category-level count the plain way: every category's cell looked up in turn (the loop ``_sum`` was)."""
    categories = sorted(counts.classification.categories(measure, counts.source))
    known = [counts.lifetimes[c] for c in categories if c in counts.lifetimes]
    if not known:
        return Count(None, f"the data have none of the categories that make up '{measure}'")
    reason = why_unusable(known, period)
    if reason:
        return Count(None, reason)
    total = 0
    for life in known:
        found = counts._table.get(area, period, life.category)
        if found is not None:
            total += found
        elif life.status[period] not in ("ended", "not_started"):
            name = counts.registry.by_code(area).name
            return Count(None, f"no '{life.category}' row for {name} in the 12 months to {period:%B %Y}")
    return Count(total)


def _england_and_wales_by_force(counts: MeasureCounts, measure: str, period: date) -> Count:
    total = 0
    for code in counts.territorial:
        part = _by_cell(counts, measure, code, period)
        if not part.ok:
            return Count(None, part.note)
        total += part.value
    return Count(total)


def _fresh(counts: MeasureCounts, table: CountTable | None = None) -> MeasureCounts:
    return MeasureCounts(table or counts._table, counts.classification, counts.registry, counts.source,
                         counts.explain, counts.break_level)


def _damaged(counts: MeasureCounts) -> tuple[MeasureCounts, str, date]:
    """The ONS table with Kent's cells of one category removed in one period (real rows, one left out each)."""
    table = counts._table
    period = date(2014, 6, 30)
    category = sorted(c for c, life in counts.lifetimes.items() if life.status.get(period) == "ok")[3]
    cube = table.cube.copy()
    cube[table._area["E23000032"], table._period[period], table._category[category]] = MISSING
    damaged = CountTable(table.periods, table.lifetimes, table.areas, table.categories, cube)
    return _fresh(counts, damaged), category, period


def test_planned_sums_equal_the_cell_by_cell_sums(dataset):
    """Every ONS measure at every eighth period and some break periods, for a spread of forces and England and
    Wales: the same count or the same reason as the loop over cells."""
    counts = _fresh(dataset.counts)
    forces = counts.territorial[::7] + ["E23000032"]
    ends = counts.periods[::8] + [date(2013, 3, 31), date(2014, 3, 31), date(2017, 6, 30), date(2018, 3, 31)]
    checked = 0
    for measure in counts.classification.measures("ons"):
        for period in ends:
            for area in forces:
                assert counts._sum(measure, area, period) == _by_cell(counts, measure, area, period), (measure, area)
                checked += 1
        for period in ends[::3]:
            assert counts._england_and_wales(measure, period) == _england_and_wales_by_force(counts, measure, period)
    assert checked > 1000


def test_a_force_short_of_a_row_gets_the_same_reason(dataset):
    """One cell removed: the force, and England and Wales (summed in one array step), name the missing row as
    the loop did; the other forces keep their counts."""
    counts, category, period = _damaged(dataset.counts)
    measure = "crime_excl_fraud"
    kent = counts.count(measure, "E23000032", period)
    assert kent == _by_cell(counts, measure, "E23000032", period)
    assert not kent.ok and f"no '{category}' row for Kent in the 12 months to June 2014" == kent.note
    england = counts.count(measure, ENGLAND_AND_WALES_CODE, period)
    assert england == _england_and_wales_by_force(counts, measure, period)
    assert not england.ok and "Kent" in england.note
    essex = counts.count(measure, "E23000028", period)
    assert essex == _by_cell(dataset.counts, measure, "E23000028", period) and essex.ok


@pytest.mark.parametrize("which", ["ons", "home_office", "damaged"])
def test_forces_counted_in_bulk_equal_forces_counted_one_by_one(dataset, home_office, which):
    """``counts`` (the change tests' 43 forces in one step) gives what ``count`` gives force by force, reasons
    included, on both kinds of series break; checked on fresh instances so that neither reads the other's."""
    if which == "damaged":
        source, _, _ = _damaged(dataset.counts)
    else:
        source = dataset.counts if which == "ons" else home_office.counts
    bulk, single = _fresh(source, source._table), _fresh(source, source._table)
    codes = source.territorial
    for measure in source.classification.measures(source.source)[:8]:
        for period in source.periods[::10] + source.periods[-2:]:
            assert bulk.counts(measure, codes, period) == [single.count(measure, c, period) for c in codes]


def test_bulk_count_of_a_force_without_counts_keeps_its_reason(home_office):
    """A Home Office force with no counts at all in a period (its cells removed) or a negative total: ``_sum``'s
    own words, the other forces summed."""
    source = home_office.counts
    table = source._table
    period = source.periods[-5]
    cube = table.cube.copy()
    cube[table._area["E23000032"], table._period[period], :] = MISSING  # Kent: no row at all
    columns = source._measure_columns("robbery", sorted(source.classification.categories("robbery", source.source)))
    cube[table._area["E23000028"], table._period[period], columns] = -5  # Essex: a negative total
    damaged = CountTable(table.periods, table.lifetimes, table.areas, table.categories, cube)
    bulk, single = _fresh(source, damaged), _fresh(source, damaged)
    for measure in ("robbery", "crime_excl_fraud"):
        found = bulk.counts(measure, source.territorial, period)
        assert found == [single.count(measure, c, period) for c in source.territorial]
    kent = bulk.count("robbery", "E23000032", period)
    assert not kent.ok and kent.note.startswith(f"no counts for Kent in the 12 months to {period:%B %Y}")
    essex = bulk.count("robbery", "E23000028", period)
    assert not essex.ok and "negative total" in essex.note


def test_kept_poisson_bounds_are_the_computed_ones():
    """Bounds kept per (count, level) are the two inversions of the incomplete gamma function themselves."""
    for n in [0, 1, 2, 7, 49, 50, 99, 100, 101, 1234, 54321, 150000, 4_000_000]:
        for confidence in (0.95, 0.9, 0.99):
            alpha = 1 - confidence
            low = 0.0 if n == 0 else gamma_p_inverse(float(n), alpha / 2)
            high = gamma_p_inverse(float(n) + 1, 1 - alpha / 2)
            assert poisson.poisson_bounds(n, confidence) == (low, high)
            assert poisson.poisson_bounds(n, confidence) == (low, high)  # the kept pair
            array_low, array_high = poisson.poisson_confint(np.array([n]), confidence)
            assert (float(array_low[0]), float(array_high[0])) == (low, high)
    assert poisson.poisson_bounds(np.int64(120)) == poisson.poisson_bounds(120)
    with pytest.raises(ValueError):
        poisson.poisson_bounds(-1)


def test_kept_change_test_is_the_computed_one():
    """The change test kept per pair of counts (England and Wales's pair comes beside every force's) is the
    binomial tail computed afresh, for ints and floats alike."""
    from crimestat.metrics.distributions import binomial_half_cdf

    for current, base in [(0, 0), (3, 9), (130, 120), (52000, 51000), (9, 3)]:
        fresh = 1.0 if current + base == 0 else min(1.0, 2 * binomial_half_cdf(min(current, base), current + base))
        assert poisson.change_test(current, base) == fresh
        assert poisson.change_test(current, base) == fresh
        assert poisson.change_test(float(current), float(base)) == poisson.change_test.__wrapped__(float(current),
                                                                                                     float(base))


@given(st.integers(-10**9, 10**12), st.integers(1, 10**9), st.sampled_from([1000, 100_000, 1_000_000]))
def test_scalar_rate_is_the_array_rate(count, denominator, per):
    """One figure without arrays: the same float64 multiplication and division as the array form."""
    assert rate_per(count, denominator, per) == float(rate_per(np.array([count]), np.array([denominator]), per)[0])
    assert rate_per(float(count), denominator, per) == rate_per(count, float(denominator), per)


def test_scalar_rate_refuses_what_the_array_rate_refuses():
    for bad in (0, -3, 0.0):
        with pytest.raises(ValueError, match="denominator must be above 0"):
            rate_per(5, bad)
    with pytest.raises(ValueError, match="per must be one of"):
        rate_per(5, 10, per=10)


def test_kept_denominators_are_the_computed_ones(dataset):
    """Each denominator kept per question is what a fresh lookup gives, for forces, England and Wales and a
    non-territorial force, population and households, with and without a population year."""
    kept = dataset.denominators
    fresh = Denominators(kept._values["population"], kept._values["households"], kept.registry, kept.series,
                         kept.editions)
    codes = [f.code for f in kept.registry.territorial][::6] + [ENGLAND_AND_WALES_CODE, "BTP"]
    for kind in ("population", "households"):
        for period in dataset.counts.periods[::5]:
            for code in codes:
                for year in (None, 2012):
                    first = kept.get(kind, code, period, year)
                    assert first == fresh._get(kind, code, period, year)
                    assert kept.get(kind, code, period, year) is first


def test_chart_laid_out_without_an_engine_is_the_same_svg(dataset, monkeypatch):
    """The trend chart with the margins worked out by the tight layout engine directly is byte for byte the chart
    ``fig.tight_layout`` gives (which then makes ``savefig`` draw the figure twice)."""
    from crimestat.analyses.trend import trend
    from crimestat.render import charts

    result = trend(dataset, "warwickshire", date(2010, 6, 30), date(2014, 6, 30))
    now = io.BytesIO()
    charts._draw_trend(result, now)
    monkeypatch.setattr(charts, "_tight", lambda fig, rect: fig.tight_layout(rect=rect))
    before = io.BytesIO()
    charts._draw_trend(result, before)
    assert now.getvalue() == before.getvalue()
    assert b"Warwickshire" in now.getvalue()


def test_kept_series_values_are_the_computed_ones(home_office):
    """The outcomes series' values kept per dataset are ``series.value`` itself, for a force and England and
    Wales."""
    from crimestat.analyses.outcome_series import series_value

    series = home_office.outcome_series
    assert series is not None
    for period in series.periods[-3:]:
        for area in ("E23000032", ENGLAND_AND_WALES_CODE):
            first = series_value(home_office, series, "charge_rate_closed", area, period)
            assert first == series.value("charge_rate_closed", area, period)
            assert series_value(home_office, series, "charge_rate_closed", area, period) is first



def test_trend_chart_shows_a_dollar_in_a_name_as_text(dataset):
    """Text from data is plain text on every chart (``render.charts._plain``), also when the trend chart is the
    first drawn in a process: a force name from a user's registry with '$\\foo $' in it is written as it is.
    (Before, ``_figure`` left matplotlib's mathtext on, and this name failed to draw with a ValueError.)"""
    import dataclasses

    import matplotlib

    from crimestat.analyses.trend import trend
    from crimestat.render import charts

    matplotlib.rcParams["text.parse_math"] = True  # as in a fresh process
    result = trend(dataset, "kent", date(2010, 6, 30), date(2014, 6, 30))
    result.force = dataclasses.replace(result.force, name="Kent $\\foo $")
    out = io.BytesIO()
    charts._draw_trend(result, out)
    assert "Kent $\\foo $ and England and Wales" in out.getvalue().decode()
