"""Sources as records: adding one needs no command changes; each cites itself; releases side by side."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from crimestat import sources
from crimestat.analyses.compare import compare
from crimestat.model.classification import Classification, MeasureInfo
from crimestat.dataset import DataPaths, Dataset, load_dataset
from crimestat.loaders.classification import load_classification
from crimestat.render import render
from crimestat.sources import Loaded, Source

from conftest import SAMPLE

# Two forces' monthly counts for a made-up source ("toy"): a fixture, not statistics.
TOY_CSV = "force,month,kind,n\n" + "".join(
    f"{force},2020-{m:02d},{kind},{n + m}\n"
    for force, base in (("Warwickshire", 100), ("Kent", 300))
    for m in range(1, 13) for kind, n in (("theft", base), ("violence", base // 2)))


@pytest.fixture
def toy(tmp_path):
    """A third source registered by one record and a loader, entirely in the test."""
    path = tmp_path / "toy.csv"
    path.write_text(TOY_CSV)

    def load(paths, registry, classification=None):
        monthly = pd.read_csv(paths[0])
        total = monthly.groupby(["force", "kind"], as_index=False)["n"].sum()
        return Loaded(pd.DataFrame({"area_code": [registry.get(f).code for f in total["force"]],
                                    "period_end": pd.Timestamp("2020-12-31"), "months": 12,
                                    "category": total["kind"], "count": total["n"]}))

    record = sources.register(Source(
        key="toy", title="Toy monthly counts", cited_as="a toy source", short_citation="Source: toy",
        period_step="month", period_description="toy counts, 12 months summed",
        recognise=lambda header: header[:4] == ["force", "month", "kind", "n"], load=load,
        rates=("toy_all",), changes=(("toy_all", "year"),), trend_measure="toy_all"))
    yield path, record
    sources.unregister("toy")


def _classification_with_toy() -> Classification:
    packaged = load_classification()
    members = dict(packaged.members)
    members[("toy", "toy_all")] = {"theft", "violence"}
    info = dict(packaged.info)
    info["toy_all"] = MeasureInfo("toy_all", "All toy crime", "population")
    return Classification(members, info)


def test_a_toy_source_works_in_compare_without_touching_any_command(toy, tmp_path):
    path, _ = toy
    data = load_dataset(DataPaths(SAMPLE, crime=str(path), release="home-office-2026-04"))
    data.__dict__["classification"] = _classification_with_toy()
    assert data.source.key == "toy"  # recognised by its header, whatever its name
    result = compare(data, "warwickshire")
    line = result.rate("toy_all")
    # Warwickshire: theft 100+m and violence 50+m for m = 1..12 -> 12*150 + 2*78 = 1,956
    assert line.force.numerator == 1956
    assert line.england_and_wales.value is None  # the toy file has two forces, not 43
    text = render(result, "table")
    assert "Sources: a toy source; ONS mid-year population estimates" in text
    assert "toy counts, 12 months summed" in text


def test_police_uk_output_cites_police_uk_not_ons(run):
    counts = SAMPLE.parent / "tests/data/police-uk/synthetic-monthly-counts.csv"
    result = run("compare", "--release", "ons-2019", "--police-uk", counts, "--force", "warwickshire", "--format",
                 "table", "-q")
    assert result.exit_code == 0
    assert "Sources: data.police.uk street-level crime" in result.stdout
    assert "Office for National Statistics, police recorded crime" not in result.stdout
    trend = run("trend", "--release", "ons-2019", "--police-uk", counts, "--force", "warwickshire", "--format",
                "table", "-q")
    assert "Source: data.police.uk street-level crime" in trend.stdout


def test_dataset_from_frames_needs_no_files():
    # Warwickshire's and Kent's crime excluding fraud groups, 12 months to June 2014, from the ONS 2019 file
    # (sample_data/releases/ons-2019/rec-crime-pfa.csv); population mid-2013 from the 2019-edition file.
    counts = pd.DataFrame({"area_code": ["Warwickshire", "Warwickshire", "Kent"],
                           "period_end": ["2014-06-30"] * 3, "category": ["Robbery", "Shoplifting", "Robbery"],
                           "count": [240, 3286, 459]})
    population = pd.DataFrame({"area_code": ["E23000017", "E23000032"], "year": [2013, 2013],
                               "population": [549517, 1750405]})
    data = Dataset.from_frames(counts, population)
    result = compare(data, "warwickshire", measures=["robbery"])
    line = result.rate("robbery")
    assert line.force.numerator == 240 and line.force.value == pytest.approx(240 * 1000 / 549517)
    assert line.england_and_wales.value is None  # two forces are not England and Wales
    assert result.to_frame().loc[0, "value"] == pytest.approx(0.436747, rel=1e-5)


@pytest.fixture(scope="module")
def home_office():
    return load_dataset(DataPaths(SAMPLE, release="home-office-2026-04"))


@pytest.mark.parametrize("release", ["ons-2019", "home-office-2026-04"])
def test_crime_excluding_fraud_agrees_in_both_releases(release, dataset, home_office):
    """Independently computed from the raw files (pandas one-off over the Home Office long CSV: every row
    whose Offence Group is not fraud, financial years 2013/14 Q1-Q4 for March 2014 and 2013/14 Q2-Q4 +
    2014/15 Q1 for June 2014; and the ONS file's rolling totals): Warwickshire 28,377 and England and
    Wales 3,457,415 for March 2014 in both; Warwickshire 27,651 for June 2014 in both."""
    data = dataset if release == "ons-2019" else home_office
    count = data.counts.count
    assert count("crime_excl_fraud", "E23000017", date(2014, 3, 31)).value == 28377
    assert count("crime_excl_fraud", "K04000001", date(2014, 3, 31)).value == 3457415
    assert count("crime_excl_fraud", "E23000017", date(2014, 6, 30)).value == 27651


def test_home_office_latest_period_and_revised_denominators(home_office):
    result = compare(home_office, "warwickshire")
    assert result.periods.current == date(2025, 12, 31)
    crime = result.rate("crime_excl_fraud")
    # Raw file: Warwickshire 39,474 and the 43 forces 5,152,518 (2024/25 Q4 + 2025/26 Q1-Q3, groups other
    # than fraud); ONS mid-2024 estimates: Warwickshire 632,207, England and Wales 61,806,682.
    assert (crime.force.numerator, crime.force.denominator) == (39474, 632207)
    assert (crime.england_and_wales.numerator, crime.england_and_wales.denominator) == (5152518, 61806682)
    burglary = result.rate("residential_burglary")  # HMIC's burglary row after the 2017/18 change
    # Raw file: Residential burglary subgroup 1,434 / 154,159; 2021 Census households 253,262 / 24,783,192.
    assert (burglary.force.numerator, burglary.force.denominator) == (1434, 253262)
    assert (burglary.england_and_wales.numerator, burglary.england_and_wales.denominator) == (154159, 24783192)
    kinds = {n.kind for n in result.notes}
    assert {"series_change", "release"} <= kinds
    population = next(n.text for n in result.notes if n.kind == "population")
    # The edition named from the release's manifest (the issue: MYE23 to mid-2023, the mid-2024 estimates of July 2025).
    assert ("mid-2024 estimates (mid-2024 edition, published July 2025; the latest in the data; the period would use "
            "mid-2025)") in population


@pytest.mark.parametrize("measure", ["crime_excl_fraud", "residential_burglary", "domestic_burglary",
                                     "sexual_offences", "fraud_offences"])
def test_england_and_wales_in_one_step_equals_the_sum_force_by_force(home_office, measure):
    """The whole-measure England and Wales total is summed over the 43 forces in one array step; the loop it
    replaces (still used to word a reason) gives the same count or the same reason at every period."""
    from crimestat.model.measures import MeasureCounts

    fast = home_office.counts
    slow = MeasureCounts(fast._table, fast.classification, fast.registry, fast.source, fast.explain, fast.break_level)
    slow._whole_totals = lambda measure, period: None
    for period in fast.periods[::7] + fast.periods[-2:]:
        assert fast.count(measure, "K04000001", period) == slow.count(measure, "K04000001", period)
        for code in ("E23000017", "E23000001"):  # filled in by the one step: the same as asked alone
            assert fast.count(measure, code, period) == slow.count(measure, code, period)


def test_a_missing_quarter_makes_the_periods_that_need_it_not_available(tmp_path):
    """Warwickshire's real rows of 2013/14 and 2014/15 with quarter 2 of 2014/15 removed: the windows ending
    September 2014 to June 2015 need it."""
    from conftest import home_office_lines  # the shipped table's lines, decompressed once

    rows = home_office_lines()
    keep = [r.rstrip("\r\n") for r in rows[:1] + tuple(r for r in rows[1:] if ",Warwickshire," in r and
                                                        r.startswith(("2013/14", "2014/15"))
                                                        and not r.startswith("2014/15,2,"))]
    path = tmp_path / "warks.csv"
    path.write_text("\n".join(keep) + "\n")
    data = load_dataset(DataPaths(SAMPLE, crime=str(path), release="home-office-2026-04"))
    assert data.counts.count("crime_excl_fraud", "E23000017", date(2014, 6, 30)).ok
    missing = data.counts.count("crime_excl_fraud", "E23000017", date(2015, 3, 31))
    assert not missing.ok and date(2015, 3, 31) not in data.counts.periods
    from crimestat.errors import PeriodNotCoveredError

    with pytest.raises(PeriodNotCoveredError) as err:
        compare(data, "warwickshire", "2015-03-31")
    assert "July to September 2014" in str(err.value)


def test_revisions_show_england_and_wales_in_both_releases(run):
    result = run("revisions", "--force", "warwickshire", "--to", "2014-06", "--format", "csv", "-q")
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if ",K04000001," in line]
    # ONS 2019 file's rolling total 3,460,860; the Home Office 2026 tables' four quarters 3,460,108.
    assert [line.split(",")[0] for line in lines] == ["ons-2019", "home-office-2026-04"]
    assert ",3460860," in lines[0] and ",3460108," in lines[1] and ",-752," in lines[1]


def test_releases_lists_coverage_and_latest(run):
    listed = run("releases", "--format", "csv").stdout.splitlines()
    assert listed[0].startswith("release,title,publisher,published,source,first_period_end,last_period_end")
    assert [line.split(",")[0] for line in listed[1:]] == ["ons-2019", "home-office-2026-04",
                                                          "home-office-outcomes-2026-07"]
    # The newest release with crime counts: the outcomes series of July 2026 has none.
    assert run("releases", "--latest", "--format", "table").stdout == "home-office-2026-04 2025-12\n"


def test_a_release_dropped_into_the_user_folder_becomes_the_default(tmp_path, monkeypatch, run, warwickshire_crime):
    import hashlib
    import json
    import shutil

    folder = tmp_path / "crimestat" / "releases" / "ons-2019-copy"
    shutil.copytree(SAMPLE / "releases" / "ons-2019", folder)
    # Its crime file cut to Warwickshire's rows (conftest: real rows, verbatim; the same periods), its digest in
    # the manifest made to match: the copy is read cold, and the whole file would be parsed again for nothing.
    shutil.copyfile(warwickshire_crime, folder / "rec-crime-pfa.csv")
    manifest = json.loads((folder / "release.json").read_text())
    (crime,) = (f for f in manifest["files"] if f["path"] == "rec-crime-pfa.csv")
    crime["sha256"] = hashlib.sha256((folder / "rec-crime-pfa.csv").read_bytes()).hexdigest()
    manifest.update(name="ons-2019-copy", published="2030-01-01")
    (folder / "release.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert run("releases", "--latest", "--format", "table").stdout == "ons-2019-copy 2018-12\n"


def test_a_file_that_differs_from_its_manifest_is_an_error(tmp_path, run):
    import shutil

    folder = tmp_path / "releases" / "ons-2019"
    shutil.copytree(SAMPLE / "releases" / "ons-2019", folder)
    crime = folder / "rec-crime-pfa.csv"
    crime.write_bytes(crime.read_bytes()[:-4])  # a download cut four bytes short
    result = run("compare", "--force", "warwickshire", "--data-dir", tmp_path, "-q")
    assert result.exit_code == 1
    assert "differs from its release's manifest" in result.stderr


def test_unknown_release_suggests_the_nearest(run):
    result = run("compare", "--force", "warwickshire", "--release", "ons-2018", "-q")
    assert result.exit_code == 2
    assert result.stderr == ("crimestat: error: unknown release 'ons-2018'; did you mean 'ons-2019'? (releases: "
                             "ons-2019, home-office-2026-04, home-office-outcomes-2026-07)\n")


def test_trend_and_report_on_the_new_release(run, tmp_path):
    trend = run("trend", "--force", "warwickshire", "--from", "2013-03", "--to", "2025-12", "--format", "csv",
                "--plot", tmp_path / "t.svg", "-q")
    assert trend.exit_code == 0
    assert len(trend.stdout.splitlines()) == 1 + 2 * 52  # every quarter end from March 2013
    # Registered recording changes within the series are marked (crime excluding fraud: the recording
    # improvements after HMIC's 2014 inspection, the stalking and harassment rules of 2018, 2020 and 2023).
    assert "recording change" in (tmp_path / "t.svg").read_text()
    report = run("report", "--force", "warwickshire", "--format", "html", "--output", tmp_path / "r.html", "-q")
    assert report.exit_code == 0
    page = (tmp_path / "r.html").read_text()
    assert "home-office-2026-04" in page and "revised after the 2021 Census" in page


def test_the_release_read_as_ods_xlsx_or_csv_gz_gives_identical_figures(run):
    """Small workbooks built from real rows of the April 2026 release in the published layouts (see
    tests/data/home-office/README.md): compare reads each, recognised by content whatever the name."""
    from conftest import DATA

    outputs = []
    for name in ("prc-pfa-sample.ods", "prc-pfa-sample.xlsx", "prc-pfa-sample.csv.gz"):
        result = run("compare", "--crime", DATA / "home-office" / name, "--release", "home-office-2026-04",
                     "--force", "warwickshire", "--to", "2014-03", "--format", "csv", "-q")
        assert result.exit_code == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    crime = next(line for line in outputs[0].splitlines() if line.startswith("E23000017,Warwickshire,crime_excl_"))
    assert ",28377," in crime  # the published figure, as in the full release


def test_home_office_tables_on_stdin_are_recognised(tmp_path):
    """`--crime -` looks at the header on stdin as it would in a file (it used to assume the ONS layout)."""
    import warm
    from conftest import DATA

    data = (DATA / "home-office" / "prc-pfa-sample.csv.gz").read_bytes()
    # A process of its own, reading a real pipe (tests/warm.py: forked from a warm interpreter).
    done = warm.run(["compare", "--crime", "-", "--release", "home-office-2026-04", "--force", "warwickshire",
                     "--to", "2014-03", "--format", "csv", "-q"], input=data, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert b",28377," in done.stdout
