"""trend, rank, peer groups and charts."""

import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from conftest import DATA
from crimestat.analyses.compare import compare
from crimestat.errors import BadValueError, PeriodNotCoveredError, UsageError
from crimestat.loaders.forces import load_forces
from crimestat.loaders.peers import load_peer_groups
from crimestat.model.peers import peers_from_names
from crimestat.analyses.rank import competition_ranks, rank
from crimestat.analyses.trend import sparkline, trend
from crimestat.model.periods import as_period

T = as_period  # period ends are plain dates


def test_trend_has_17_points_ending_with_compares_value(dataset):
    result = trend(dataset, "warwickshire", T("2010-06-30"), T("2014-06-30"))
    force = [r for r in result.rows if r.area_code == "E23000017"]
    assert len(force) == 17
    assert [r.period_end for r in force][:2] == [T("2010-06-30"), T("2010-09-30")]
    compared = compare(dataset, "warwickshire", T("2014-06-30")).rows[0]
    assert force[-1].value == compared.value
    assert all(r.ci_low < r.value < r.ci_high for r in result.rows)


def test_every_measure_trends(dataset):
    for measure in dataset.classification.measures("ons"):
        result = trend(dataset, "kent", T("2010-06-30"), T("2018-12-31"), measure)
        assert all((r.value is None) == bool(r.note and not r.note.startswith("small numbers")) for r in result.rows)


@pytest.mark.parametrize("start, end, message", [
    (T("2001-06-30"), T("2014-06-30"), "start=2001-06: no 12-month period ends in June 2001"),
    (T("2014-06-30"), T("2019-06-30"), "to=2019-06: no 12-month period ends in June 2019"),
    (T("2014-06-30"), T("2010-06-30"), "start=2014-06: is after the last period end, 2010-06"),
])
def test_trend_range_errors(dataset, start, end, message):
    with pytest.raises(PeriodNotCoveredError) as err:
        trend(dataset, "warwickshire", start, end)
    assert str(err.value).startswith(message)


def test_sparkline():
    assert sparkline([1, 2, 3, None, 8]) == "▁▂▃·█"
    assert sparkline([5, 5]) == "▁▁"
    assert sparkline([None]) == ""


def test_rank_lists_43_forces_and_england_and_wales_sorted(dataset):
    result = rank(dataset, "crime_excl_fraud", T("2014-06-30"))
    funnel = result.funnel
    rates = [r for r in result.rows if r.statistic == "rate_per_1000"]
    assert len(rates) == 44 and rates[-1].area == "England and Wales"
    values = [r.value for r in rates[:-1]]
    assert values == sorted(values, reverse=True)
    ranks = [r.value for r in result.rows if r.statistic == "rank"]
    assert ranks == list(range(1, 44))
    assert rates[0].area == "City of London" and rates[0].verdict == "above 99.8%"
    assert len(funnel.points) == 43 and set(funnel.limits) == {"95%", "99.8%"}


def test_rank_ties_share_a_rank():
    ranks = competition_ranks({"a": 5.0, "b": 7.0, "c": 5.0, "d": 1.0}, {"a": "A", "b": "B", "c": "C", "d": "D"})
    assert ranks == {"b": 1, "a": 2, "c": 2, "d": 4}


def test_rank_with_a_series_break_lists_forces_unranked(dataset):
    result = rank(dataset, "domestic_burglary", T("2018-12-31"))
    ranks = [r for r in result.rows if r.statistic == "rank"]
    assert all(r.value is None and r.note.startswith("series break") for r in ranks)


def test_peers_from_names_and_average(dataset):
    registry = dataset.registry
    groups = peers_from_names(registry, "E23000017", "West Mercia, Wiltshire")
    result = compare(dataset, "warwickshire", T("2014-06-30"), peers=groups)
    peer = [r for r in result.rows if r.area_code == "peer_group" and r.measure == "crime_excl_fraud"]
    rates = {r.area: r for r in rank(dataset, "crime_excl_fraud", T("2014-06-30")).rows
             if r.statistic == "rate_per_1000"}
    members = [rates[n] for n in ("Warwickshire", "West Mercia", "Wiltshire")]
    simple = next(r for r in peer if r.statistic == "rate_per_1000")
    pooled = next(r for r in peer if r.statistic == "pooled_rate_per_1000")
    assert simple.value == pytest.approx(sum(m.value for m in members) / 3)
    assert pooled.value == pytest.approx(sum(m.numerator for m in members) / sum(m.denominator for m in members) * 1000)


@pytest.mark.parametrize("text, message", [
    ("Warwickshire", "--peers: Warwickshire is listed as its own peer"),
    ("Kent,Kent", "--peers: Kent listed more than once as a peer of Warwickshire"),
    ("Kent,Essex,Sussex,Surrey,Hampshire,Norfolk,Suffolk,Dorset",
     "--peers: Warwickshire has 8 peers; a most similar group has at most 7"),
])
def test_bad_peers(text, message):
    with pytest.raises(UsageError) as err:
        peers_from_names(load_forces(), "E23000017", text)
    assert str(err.value) == message


def test_peer_file():
    groups = load_peer_groups(DATA / "peers/good.csv", load_forces())
    assert groups.group("E23000017") == ["E23000017", "E23000016", "E23000038"]


def test_peer_file_problems():
    registry = load_forces()
    with pytest.raises(BadValueError) as err:
        load_peer_groups(DATA / "peers/bad.csv", registry)
    assert str(err.value) == (f"{DATA / 'peers/bad.csv'}, line 5, column 'peer': 'Essexx' is not a known force "
                              "(did you mean 'Essex'?)")
    with pytest.raises(BadValueError) as err:
        load_peer_groups(DATA / "peers/bad-groups.csv", registry)
    name = DATA / "peers/bad-groups.csv"
    assert str(err.value).splitlines() == [
        f"{name}: group starting on line 2: Warwickshire is listed as its own peer",
        f"{name}: group starting on line 2: Wiltshire listed more than once as a peer of Warwickshire",
        f"{name}: group starting on line 5: Surrey has 8 peers; a most similar group has at most 7",
    ]


def test_trend_cli_and_charts(run, tmp_path):
    png, svg = tmp_path / "trend.png", tmp_path / "trend.svg"
    result = run("trend", "--release", "ons-2019", "--force", "warwickshire", "--from", "2010-06", "--to", "2014-06", "--plot", png,
                 "--format", "table", "-q")
    assert result.exit_code == 0
    assert "Jun 2014                     50.3                 60.8" in result.stdout
    image = Image.open(png)
    assert image.format == "PNG" and image.size[0] > 800
    assert image.info["Title"].startswith("Crime excluding fraud, rate per 1,000 population")
    run("trend", "--release", "ons-2019", "--force", "warwickshire", "--from", "2010-06", "--to", "2014-06", "--plot", svg, "-q")
    texts = [t.text for t in ET.parse(svg).iter("{http://www.w3.org/2000/svg}text") if t.text]
    joined = " ".join(texts)
    for expected in ("Crime excluding fraud, rate per 1,000 population", "Warwickshire", "England and Wales",
                     "End of 12-month period", "Rate per 1,000 population", "Source: ONS"):
        assert expected in joined


def test_rank_cli_and_funnel_chart(run, tmp_path):
    svg = tmp_path / "funnel.svg"
    result = run("rank", "--release", "ons-2019", "--to", "2014-06", "--plot", svg, "--format", "csv", "-q")
    assert result.exit_code == 0
    assert len([line for line in result.stdout.splitlines() if ",rate_per_1000," in line]) == 44
    joined = " ".join(t.text for t in ET.parse(svg).iter("{http://www.w3.org/2000/svg}text") if t.text)
    for expected in ("funnel plot", "95% limits", "99.8% limits", "England and Wales (60.8)",
                     "Population (log scale)", "City of London‡ (878.1 on 6,031 residents, off the scale)",
                     "limits widened for overdispersion between forces (additive, tau = 0.208, all 43 forces)"):
        assert expected in joined


@pytest.mark.parametrize("args, message", [
    (["rank", "--peers", "Kent"], "crimestat: error: --peers and --peer-groups need --force: whose group to rank"),
    (["trend", "--force", "kent", "--plot", "chart.pdf"], "crimestat: error: --plot chart.pdf: expected a file name ending in .png or .svg"),
])
def test_usage_errors(run, args, message):
    result = run(*args, "-q")
    assert result.exit_code == 2
    assert message in result.stderr


def test_rank_peer_group_cli(run):
    result = run("rank", "--release", "ons-2019", "--force", "warwickshire", "--peer-groups", DATA / "peers/good.csv", "--to", "2014-06",
                 "--format", "csv", "-q")
    areas = [line.split(",")[1] for line in result.stdout.splitlines() if ",rate_per_1000," in line]
    assert areas == ["Warwickshire", "Wiltshire", "West Mercia", "England and Wales"]  # by rate, June 2014


def test_rank_with_overdispersion_widens_the_limits(dataset):
    plain = rank(dataset, "crime_excl_fraud", T("2014-06-30"), funnel="poisson")
    adjusted = rank(dataset, "crime_excl_fraud", T("2014-06-30"), adjust_overdispersion=True)
    funnel = adjusted.funnel
    within = [r for r in adjusted.rows if r.statistic == "rate_per_1000" and r.verdict == "within"]
    assert not [r for r in plain.rows if r.statistic == "rate_per_1000" and r.verdict == "within"]
    assert len(within) == 40
    assert adjusted.phi > 100  # far more spread than Poisson counts give
    assert funnel.method == "multiplicative"
    assert any("Limits widened for overdispersion" in n for n in adjusted.view().notes)


def test_funnel_labels_never_overlap_and_the_rest_are_counted():
    from crimestat.render.charts import _place_labels, _pyplot

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    # Twenty forces crowded into one corner, and one alone.
    dots = [(1e6 * (1 + i / 100), 50 + i / 10) for i in range(20)] + [(1e5, 80)]
    ax.scatter(*zip(*dots))
    ax.set_xscale("log")
    wanted = [(float(i), x, y, f"Force number {i}") for i, (x, y) in enumerate(dots)]
    placed, left_out = _place_labels(fig, ax, wanted, dots)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    plt.close(fig)
    assert placed == len(boxes) and placed + left_out == 21 and 2 <= placed < 21
    assert "Force number 20" in [t.get_text() for t in ax.texts]  # the one alone always fits
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
