"""Issue 14, "Statistics a methodologist would sign": the change test against England and Wales with additive
overdispersion, funnel limits, rates per 100,000 or million, City of London, and the defects.

Reference values are computed here by hand in plain Python (math only) from the raw counts in
tests/data/overdispersion/ (43 forces, crime excluding fraud, from the ONS 2019 PFA table), independently of
crimestat's loaders and metrics, and pinned as printed by that calculation.
"""

import csv
import math
from datetime import date
from pathlib import Path

import pytest

from crimestat.analyses.changes import months_shared
from crimestat.analyses.compare import compare
from crimestat.analyses.indicators import IndicatorOptions, verdict_row
from crimestat.analyses.rank import rank
from crimestat.loaders.indicators import Indicator
from crimestat.metrics import proportion as prop
from crimestat.render import render
from crimestat.results import COLUMNS, Row

DATA = Path(__file__).parent / "data" / "overdispersion"
JUNE_2010, JUNE_2013, JUNE_2014 = date(2010, 6, 30), date(2013, 6, 30), date(2014, 6, 30)


def _counts() -> dict[str, dict[date, int]]:
    counts: dict[str, dict[date, int]] = {}
    with open(DATA / "crime-excl-fraud-43-forces.csv", newline="") as f:
        for row in csv.DictReader(f):
            counts.setdefault(row["force"], {})[date.fromisoformat(row["period_end"])] = int(row["crime_excl_fraud"])
    return counts


COUNTS = _counts()


def _by_hand(base: date, current: date) -> tuple[float, dict[str, tuple[float, float]]]:
    """tau and each force's (z, p): Spiegelhalter's random-effects z-scores against England and Wales, tau^2 by
    the robust Paule-Mandel equation (Paule and Mandel 1982; Huber 1964, Proposal 2): the t >= 0 where
    sum(min((y - target)^2 / (s^2 + t), 4)) = (n - 1) E[min(Z^2, 4)], solved here by bisection in plain Python
    with the expectation from math.erf (crimestat's own code is not used)."""
    names = sorted(COUNTS)
    b = [COUNTS[n][base] for n in names]
    t = [COUNTS[n][current] for n in names]
    target = math.log(sum(t) / sum(b))
    y = [math.log(ti / bi) for bi, ti in zip(b, t)]
    s2 = [1 / ti + 1 / bi for bi, ti in zip(b, t)]
    # E[min(Z^2, 4)] = P(|Z| < 2) - 2 * 2 * pdf(2) + 4 * P(|Z| > 2)
    inside = math.erf(2 / math.sqrt(2))
    factor = inside - 4 * math.exp(-2) / math.sqrt(2 * math.pi) + 4 * (1 - inside)
    goal = (len(names) - 1) * factor

    def excess(tau2: float) -> float:
        return sum(min((yi - target) ** 2 / (v + tau2), 4.0) for yi, v in zip(y, s2)) - goal

    low, high = 0.0, 1.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if excess(middle) > 0 else (low, middle)
    tau2 = (low + high) / 2 if excess(0.0) > 0 else 0.0
    z = [(yi - target) / math.sqrt(v + tau2) for yi, v in zip(y, s2)]
    return math.sqrt(tau2), {n: (zi, math.erfc(abs(zi) / math.sqrt(2))) for n, zi in zip(names, z)}


# Printed by _by_hand (tau on the log change; z and two-sided p against England and Wales's change). The
# 10%-Winsorised estimate crimestat used before gave tau 0.0318 and 0.0589 and marked 7 and 6 forces.
PINNED = {
    JUNE_2013: (0.0430316716233822, {"Warwickshire": (-0.8868966595889536, 0.37513454026681103),
                                     "Kent": (2.542073382517056, 0.011019703486700658),
                                     "Surrey": (None, None)}),
    JUNE_2010: (0.0785765905440752, {"Warwickshire": (0.26056208936451347, 0.7944302282601549),
                                     "Kent": (3.0732050652379566, 0.0021177290748770426),
                                     "Essex": (1.9730708540380548, 0.04848749037896163)}),
}
FLAGGED = {
    JUNE_2013: {"Durham", "Kent"},
    JUNE_2010: {"Essex", "Kent", "Thames Valley"},
}


@pytest.fixture(scope="module")
def ranked(dataset):
    return rank(dataset, "crime_excl_fraud", JUNE_2014)


def _changes(ranking, base: date) -> dict[str, Row]:
    return {e.rate.area: (e.year if base == JUNE_2013 else e.base) for e in ranking.entries}


@pytest.mark.parametrize("base", [JUNE_2013, JUNE_2010])
def test_tau_z_p_against_the_hand_calculation(ranked, base):
    tau, by_hand = _by_hand(base, JUNE_2014)
    pinned_tau, pinned = PINNED[base]
    assert tau == pytest.approx(pinned_tau, rel=1e-12)
    rows = _changes(ranked, base)
    for name, row in rows.items():
        assert row.tau == pytest.approx(tau, rel=1e-9)
        assert (row.z, row.p_value) == (pytest.approx(by_hand[name][0], rel=1e-9),
                                        pytest.approx(by_hand[name][1], rel=1e-9))
    for name, (z, p) in pinned.items():
        if z is not None:
            assert (rows[name].z, rows[name].p_value) == (pytest.approx(z, rel=1e-9), pytest.approx(p, rel=1e-9))


@pytest.mark.parametrize("base", [JUNE_2013, JUNE_2010])
def test_flagged_forces(ranked, base):
    rows = _changes(ranked, base)
    flagged = {name for name, row in rows.items() if abs(row.z) > 1.96}
    assert flagged == FLAGGED[base]
    assert {name for name, row in rows.items() if row.verdict == "differs"} == FLAGGED[base]
    assert "Warwickshire" not in flagged
    # The table marks exactly these, and the note prints tau.
    column = 3 if base == JUNE_2013 else 4
    table = ranked.view().sections[0].rows
    assert {r[1].value for r in table if r[column].marker == "†"} == FLAGGED[base]
    assert any("0.043" in n and "0.079" in n and "about 2 of the 43" in n for n in ranked.view().notes)


def test_the_old_poisson_test_flagged_nearly_everyone(ranked):
    # The issue: the exact Poisson test flags 35 of 43 over one year and 43 of 43 over four. It stays in CSV.
    year = [e.year.p_value_poisson for e in ranked.entries]
    four = [e.base.p_value_poisson for e in ranked.entries]
    assert sum(p < 0.05 for p in year) == 35 and sum(p < 0.05 for p in four) == 43


def test_compare_marks_no_warwickshire_change_and_never_england_and_wales(dataset):
    result = compare(dataset, "warwickshire", JUNE_2014)
    for change in result.changes:
        assert change.force.z is not None and abs(change.force.z) < 1.96
        whole = change.england_and_wales
        assert whole.z is None and whole.p_value is None and whole.tau is None
        assert whole.p_value_poisson is not None  # the exact Poisson test, in CSV only
    table = render(result, "table")
    assert "†" not in table.split("No change differs")[0]
    assert "0%  " not in table or "0%†" not in table  # England and Wales's -0.48% is not marked
    kent = render(compare(dataset, "kent", JUNE_2014), "table")
    assert "11%†" in kent and "-16%†" not in kent and "0%†" not in kent


def test_csv_columns_are_appended():
    assert COLUMNS[:15] == ["area_code", "area", "measure", "statistic", "period_end", "base_period_end", "value",
                            "numerator", "denominator", "ci_low", "ci_high", "p_value", "verdict", "comparator", "note"]
    assert COLUMNS[15:19] == ["z", "tau", "p_value_poisson", "per"]  # appended in this order; later ones follow


# -- defects -----------------------------------------------------------------------------------------------

def test_months_shared():
    assert months_shared(date(2014, 6, 30), date(2014, 3, 31)) == 9
    assert months_shared(date(2014, 6, 30), date(2013, 6, 30)) == 0
    assert months_shared(date(2014, 6, 30), date(2010, 6, 30)) == 0


def test_no_change_test_on_overlapping_windows(dataset):
    # --baseline 2014-03 --to 2014-06: the two 12-month windows share 9 months.
    result = compare(dataset, "warwickshire", JUNE_2014, baseline=date(2014, 3, 31))
    line = result.change("crime_excl_fraud", "baseline")
    assert line.force.value is not None
    for row in (line.force, line.england_and_wales):
        assert row.p_value is None and row.z is None and row.p_value_poisson is None
    assert "share 9 months" in line.force.note
    notes = [n.text for n in result.notes if n.kind == "chance"]
    assert any("share 9 months" in n for n in notes)


def test_population_year_applies_to_the_anti_social_behaviour_rate(dataset):
    from crimestat.analyses.indicators import IndicatorSet

    indicators = IndicatorSet(dataset.indicators)
    result = compare(dataset, "warwickshire", JUNE_2014, population_year=2011, indicators=indicators)
    asb = result.indicators.asb_rate[0]
    mid_2011 = dataset.denominators.get("population", "E23000017", asb.period_end, 2011).value
    assert asb.denominator == mid_2011 != 549517
    assert asb.value == pytest.approx(20207 * 1000 / mid_2011)


def test_satisfaction_z_test_compares_the_force_with_the_rest_of_england_and_wales():
    # By hand: the force 800 of 1,000; England and Wales 8,500 of 10,000, so the rest 7,700 of 9,000.
    # pooled = 8,500 / 10,000 = 0.85; se = sqrt(0.1275 * (1/1000 + 1/9000)) = sqrt(0.000141667) = 0.01190238;
    # z = (0.8 - 0.8555556) / 0.01190238 = -4.667600. (Against the whole, 800/1,000 vs 8,500/10,000, the
    # old test gave z = -4.17 from samples that share the force's respondents.)
    z, p = prop.subgroup_ztest(800, 1000, 8500, 10000)
    assert z == pytest.approx(-4.667600, abs=1e-5)
    assert p == pytest.approx(math.erfc(4.667600 / math.sqrt(2)), rel=1e-4)
    assert prop.two_proportion_ztest(800, 1000, 8500, 10000)[0] != pytest.approx(z, abs=0.1)

    def ind(area, n, d):
        return Indicator(area, JUNE_2014, "victim_satisfaction", n, d, None, None, "test", 2)

    mine = Row("E23000017", "Warwickshire", "victim_satisfaction", "percent", JUNE_2014, value=80.0, ci_low=77.0,
               ci_high=83.0)
    whole = Row("K04000001", "England and Wales", "victim_satisfaction", "percent", JUNE_2014, value=85.0,
                ci_low=84.0, ci_high=86.0)
    row = verdict_row(mine, ind("E23000017", 800, 1000), whole, ind("K04000001", 8500, 10000),
                      "England and Wales", IndicatorOptions(verdict="z-test"), within=True)
    assert row.p_value == pytest.approx(p, rel=1e-12) and row.verdict == "lower"
    with pytest.raises(ValueError):
        prop.subgroup_ztest(800, 1000, 700, 1000)


def test_overlap_rule_effective_significance():
    # README: two 95% intervals that just touch differ at z = 1.96 (h1 + h2) / sqrt(h1^2 + h2^2) (half-widths
    # h). Warwickshire +-1.7 against England and Wales +-0.2: about 3%; against its own previous year (+-1.7
    # both): 0.56%.
    def level(h1, h2):
        z = 1.959964 * (h1 + h2) / math.hypot(h1, h2)
        return math.erfc(z / math.sqrt(2))

    assert level(1.7, 0.2) == pytest.approx(0.0296, abs=5e-4)
    assert level(1.7, 1.7) == pytest.approx(0.0056, abs=5e-5)


# -- funnel, --force, per, small populations ----------------------------------------------------------------

def test_funnel_is_additive_by_default_with_tau_from_all_43_forces(dataset, ranked):
    assert ranked.funnel.method == "additive"
    # scipy's brentq on the robust Paule-Mandel equation (tests/test_metrics_overdispersion._paule_mandel_by_scipy)
    # printed 0.20818661522578166; the 10%-Winsorised estimate used before gave 0.152.
    assert ranked.funnel.tau == pytest.approx(0.20818661522578166, rel=1e-9)
    assert "additive" in ranked.funnel_title()
    group = rank(dataset, "crime_excl_fraud", JUNE_2014, force_codes=["E23000017", "E23000016", "E23000015"])
    assert group.funnel.tau == ranked.funnel.tau  # never from the peers shown
    assert group.change_tests[0].tau == ranked.change_tests[0].tau
    warwickshire = next(e.rate for e in ranked.entries if e.rate.area == "Warwickshire")
    # By hand: ln(50.318734 / 60.772039) / sqrt(1 / (0.060772039 * 549517) + 0.2081866152^2).
    assert warwickshire.z == pytest.approx(math.log(27651 / 549517 / (3460860 / 56948229)) /
                                           math.sqrt(1 / (3460860 / 56948229 * 549517) + 0.20818661522578166 ** 2))
    assert warwickshire.verdict == "within"


def test_rank_marks_the_force_without_a_peer_group(run):
    result = run("rank", "--release", "ons-2019", "--to", "2014-06", "--force", "warks", "--format", "table", "-q")
    assert result.exit_code == 0
    assert "Warwickshire ◀" in result.stdout and "◀ Warwickshire, the force asked about." in result.stdout


def test_rates_per_million_for_homicide(dataset):
    result = compare(dataset, "kent", JUNE_2014, measures=["homicide"])
    row = result.rate("homicide").force
    assert (row.statistic, row.per) == ("rate_per_1000000", 1000000)
    assert row.value == pytest.approx(13 * 1_000_000 / 1763803)
    from crimestat.render.views import view

    assert view(result).sections[0].headers[0].endswith("rate per million population")
    per_1000 = compare(dataset, "kent", JUNE_2014, measures=["homicide"], per=1000).rate("homicide").force
    assert per_1000.statistic == "rate_per_1000" and per_1000.value == pytest.approx(13 * 1000 / 1763803)


def test_per_is_a_csv_column(run):
    result = run("compare", "--release", "ons-2019", "--force", "kent", "--to", "2014-06", "--measure",
                 "crime_excl_fraud", "--per", "100000", "--format", "csv", "-q")
    first = next(csv.DictReader(result.stdout.splitlines()))
    assert first["statistic"] == "rate_per_100000" and first["per"] == "100000"
    assert ",z,tau,p_value_poisson,per" in result.stdout.splitlines()[0]


def test_city_of_london_is_flagged(dataset, ranked):
    city = next(r for r in ranked.view().sections[0].rows if r[1].value == "City of London")
    assert city[2].marker == "‡"
    assert any(n.startswith("‡ a rate on a resident population under 100,000 (City of London 6,031)")
               for n in ranked.view().notes)
    table = render(compare(dataset, "City of London", JUNE_2014), "table")
    assert "878.1‡" in table and "HMICFRS" in table


def test_funnel_chart_labels_round_half_up(tmp_path):
    import xml.etree.ElementTree as ET

    from crimestat.render.charts import funnel_chart

    # 60.25 is exact in binary: f"{60.25:.1f}" gives '60.2' (half to even), the tables '60.3'.
    points = [{"name": "A", "denominator": 5e5, "rate": 50.0, "position": "within"},
              {"name": "B", "denominator": 1e6, "rate": 70.0, "position": "within"},
              {"name": "Tiny", "denominator": 6e3, "rate": 800.25, "position": "above 99.8%", "small": True}]
    svg = tmp_path / "f.svg"
    funnel_chart(points, {}, 60.25, "t", "per 1,000 population", str(svg), "source")
    text = " ".join(t.text for t in ET.parse(svg).iter("{http://www.w3.org/2000/svg}text") if t.text)
    assert "England and Wales (60.3)" in text
    assert "Tiny‡ (800.3 on 6,000 residents, off the scale)" in text


def test_a_change_on_small_numbers_is_never_marked():
    # The issue: City of London burglary +73% (22 -> 38) was marked †. Whatever its z, a change on fewer than 50
    # crimes in either period is not marked; 50 and more is.
    from crimestat.analyses.changes import ChangeTests, ForceChange, apply, differs

    tests = ChangeTests("residential_burglary", JUNE_2014, JUNE_2013, 0.1, {"E23000034": ForceChange(2.5, 0.012)})
    small = Row("E23000034", "City of London", "residential_burglary", "pct_change", JUNE_2014, JUNE_2013,
                value=72.7, numerator=38, denominator=22)
    apply(small, tests)
    assert small.z == 2.5 and small.verdict == "" and not differs(small)
    enough = Row("E23000034", "City of London", "residential_burglary", "pct_change", JUNE_2014, JUNE_2013,
                 value=72.7, numerator=95, denominator=55)
    apply(enough, tests)
    assert enough.verdict == "differs" and differs(enough)
