"""The report's trend chart is drawn once and then read from the cache (issue 17, target 5)."""

from __future__ import annotations

import dataclasses
from datetime import date

from crimestat.analyses.trend import trend
from crimestat.render import charts


def test_trend_svg_is_drawn_once_per_chart(dataset, monkeypatch, tmp_path):
    monkeypatch.setenv("CRIMESTAT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CRIMESTAT_NO_CACHE", raising=False)
    result = trend(dataset, "warwickshire", date(2012, 6, 30), date(2014, 6, 30))
    drawn = []
    real = charts._draw_trend
    monkeypatch.setattr(charts, "_draw_trend", lambda r, target: (drawn.append(r), real(r, target)))
    first = charts.trend_svg(result)
    assert charts.trend_svg(result) == first and len(drawn) == 1 and first.startswith("<svg")
    # A different figure is a different chart, and it replaces the old one in the cache.
    row = result.force_rates[-1]
    changed = dataclasses.replace(result, force_rates=result.force_rates[:-1] + [
        dataclasses.replace(row, value=(row.value or 0) + 1)])
    assert charts.trend_svg(changed) != first and len(drawn) == 2
    assert len(list(tmp_path.rglob("trend-svg-*.entry"))) == 1
    # Without the cache, it is drawn every time.
    monkeypatch.setenv("CRIMESTAT_NO_CACHE", "1")
    assert charts.trend_svg(result) == first and len(drawn) == 3
