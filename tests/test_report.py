"""crimestat report: HMIC's sentences from the figures, Markdown and HTML, checked in a real browser."""

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from conftest import DATA
from crimestat.analyses.indicators import IndicatorSet
from crimestat.render import report_html, report_markdown
from crimestat.analyses.report import build_report, change_adjective, change_noun, change_words, comparison_words
from crimestat.model.periods import as_period

T = as_period  # period ends are plain dates
# The paragraphs of HMIC's "Crime inspection 2014: Warwickshire Police" that crimestat writes
# (copied word for word from the report, Open Government Licence).
REFERENCE = (DATA / "reference/hmic-warwickshire-2014-sentences.txt").read_text(encoding="utf-8").splitlines()
# Where the shipped (revised) data give another figure than HMIC printed, and so other words.
REVISED = {
    "This is compared with a 1 percent reduction across England and Wales.":
        "This is compared with no change across England and Wales.",  # -0.48% in the 2019 revision
}


@pytest.fixture(scope="module")
def warwickshire(dataset):
    return build_report(dataset, "warwickshire", T("2014-06-30"), IndicatorSet(dataset.indicators))


def paragraphs(report):
    return [b.text for b in report.blocks if b.kind == "p"]


@pytest.mark.parametrize("expected", REFERENCE)
def test_sentences_match_hmic_word_for_word(warwickshire, expected):
    for published, revised in REVISED.items():
        expected = expected.replace(published, revised)
    assert expected in paragraphs(warwickshire)


@pytest.mark.parametrize("value, words, noun, adjective", [
    (-14.6, "reduced by 15 percent", "a reduction of 15 percent", "a 15 percent reduction"),
    (3.4, "increased by 3 percent", "an increase of 3 percent", "a 3 percent increase"),
    (-0.48, "did not change", "no change", "no change"),
    (0.5, "increased by 1 percent", "an increase of 1 percent", "a 1 percent increase"),
])
def test_change_wording(value, words, noun, adjective):
    assert change_words(value) == words
    assert change_noun(value) == noun
    assert change_adjective(value) == adjective


def test_decreased_wording_and_comparisons():
    assert change_words(-11.7, "decreased") == "decreased by 12 percent"
    assert change_words(11.7, "decreased") == "increased by 12 percent"
    assert comparison_words(22, 26) == "lower than"
    assert comparison_words(30, 26) == "higher than"
    assert comparison_words(26.2, 25.9) == "the same as"


def test_rises_read_correctly(dataset):
    # Kent's crime excluding fraud rose by 7% from June 2010 to June 2014 (rank table): the text says so.
    report = build_report(dataset, "kent", T("2014-06-30"))
    first = paragraphs(report)[0]
    assert "recorded crime (excluding fraud) in the 12 months to June 2014 increased by 7 percent in Kent" in first


def test_verdict_wording_higher_and_lower(dataset, tmp_path):
    indicators = tmp_path / "ind.csv"
    indicators.write_text(
        "area,period_end,measure,numerator,denominator,value,half_width,source\n"
        "Kent,2014-06-30,victim_satisfaction,,,80.0,1.0,test figures\n"
        "England and Wales,2014-06-30,victim_satisfaction,,,85.0,0.2,test figures\n"
        "Kent,2013-06-30,victim_satisfaction,,,75.0,1.0,test figures\n")
    from crimestat.loaders.indicators import load_indicators

    report = build_report(dataset, "kent", T("2014-06-30"), IndicatorSet(load_indicators(indicators, dataset.registry)))
    text = " ".join(paragraphs(report))
    assert "80.0 percent (± 1.0 percent) which is lower than the satisfaction rate in England and Wales" in text
    assert "Its current rate is higher than the 75.0 percent (± 1.0 percent) recorded for Kent" in text


@pytest.mark.parametrize("period", ["2011-06-30", "2014-06-30", "2018-12-31"])  # one test a period: spread over workers
def test_every_force_and_several_periods(dataset, period):
    indicators = IndicatorSet(dataset.indicators)
    for force in dataset.registry.territorial:
        report = build_report(dataset, force.code, T(period), indicators)
        html = report_html(report, "<svg></svg>")
        assert "n/a" not in " ".join(paragraphs(report))
        assert html.count("<table") == sum(b.kind == "table" for b in report.blocks)
        assert html.count('id="rates"') == 1
        report_markdown(report, "chart.png")


class Balanced(HTMLParser):
    VOID = {"meta", "br", "img", "link", "input", "hr", "path", "use", "rect", "line", "circle", "stop"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


@pytest.fixture(scope="module")
def warwickshire_page(tmp_path_factory):
    """The HTML report the command writes for Warwickshire, June 2014: written once for the tests that read it
    (well formed and self-contained; shown in a browser). Tests do not change it."""
    from click.testing import CliRunner

    from crimestat.cli import main

    out = tmp_path_factory.mktemp("page") / "report.html"
    result = CliRunner().invoke(main, ["report", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06",
                                       "--format", "html", "--output", str(out), "-q"], catch_exceptions=False,
                                prog_name="crimestat")
    assert result.exit_code == 0, result.stderr
    return out


def test_html_is_self_contained_and_well_formed(warwickshire_page):
    html = warwickshire_page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    # Nothing is fetched: no external scripts, images, styles or fonts (namespace URIs are only names).
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert not re.search(r"url\((?!#)", html)  # only references within the page, such as clip paths
    for fetch in ("<link", "@import", "<script", "<iframe", "<img"):
        assert fetch not in html
    checker = Balanced()
    checker.feed(html)
    assert checker.errors == [] and checker.stack == []
    assert "@media print" in html


def test_markdown_writes_chart_beside_it(run, tmp_path):
    out = tmp_path / "warwickshire.md"
    result = run("report", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--output", out, "-q")
    assert result.exit_code == 0
    text = out.read_text()
    assert "![Figure: Recorded crime rate (per 1,000 population) between June 2010 and June 2014.]" \
           "(warwickshire-trend.png)" in text
    assert (tmp_path / "warwickshire-trend.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


VISIBILITY_PROBE = """<script>
window.addEventListener('load', function () {
  function shown(el) {
    if (!el) return 'missing';
    var box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return (box.width > 100 && box.height > 50 && style.visibility === 'visible' && style.display !== 'none')
      ? 'visible' : 'hidden ' + box.width + 'x' + box.height;
  }
  var rows = document.querySelectorAll('#rates tbody tr').length;
  var lines = document.querySelectorAll('#trend svg path, #trend svg line').length;
  document.body.setAttribute('data-probe',
    'table=' + shown(document.getElementById('rates')) + ';rows=' + rows +
    ';chart=' + shown(document.querySelector('#trend svg')) + ';marks=' + lines);
});
</script></body>"""


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_renders_in_headless_chromium(warwickshire_page, tmp_path):
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium: .ci/run installs the Debian chromium package")
        pytest.skip("Chromium is not installed here (CI installs it); the browser check runs there")
    probe = tmp_path / "probe.html"
    probe.write_text(warwickshire_page.read_text(encoding="utf-8").replace("</body>", VISIBILITY_PROBE),
                     encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,2600"]
    # One browser start for both: the page (the report with the probe's script, which only sets an attribute)
    # is laid out, its DOM dumped with the probe's findings, and a screenshot of it taken.
    shot = tmp_path / "report.png"
    dom = subprocess.run([browser, *flags, "--virtual-time-budget=5000", f"--screenshot={shot}", "--dump-dom",
                          probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert 'data-probe="table=visible;rows=6;chart=visible;marks=' in dom
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, message", [
    (["--force", "warwikshire"], "crimestat: error: unknown force 'warwikshire'; did you mean 'Warwickshire'"),
    (["--force", "warwickshire", "--to", "2030-06"], "crimestat: error: --to 2030-06: no 12-month period ends in June 2030"),
    (["--force", "warwickshire", "--format", "pdf"], "Invalid value for '--format'"),
])
def test_report_usage_errors(run, args, message):
    result = run("report", "--release", "ons-2019", "-q", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_report_gives_the_force_place_with_its_interval(run):
    # The place and interval are rank's own (tests/test_metrics_ranks.py checks those); here that the report
    # says the same as `rank` for the same period.
    import csv
    import io

    ranked = run("rank", "--format", "csv", "-q").stdout
    row = next(r for r in csv.DictReader(io.StringIO(ranked)) if r["statistic"] == "rank" and r["area"] == "Warwickshire")
    place, low, high = int(row["value"]), int(float(row["ci_low"])), int(float(row["ci_high"]))
    text = " ".join(run("report", "--force", "warwickshire", "--format", "markdown", "-q").stdout.split())
    assert f"Warwickshire's rate of recorded crime (excluding fraud) is the {place}th highest" in text
    assert f"could be anywhere from {low}th to {high}th (a 95% interval by simulation)" in text
