"""Charts: the trend line chart and the funnel plot, written as PNG or SVG with matplotlib.

Text is kept as text in SVG (so it can be searched and read by screen readers), and PNG files carry the
title in their metadata.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError

FORMATS = (".png", ".svg")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "crimestat"  # the same chart gives the same file
    matplotlib.rcParams["text.parse_math"] = False  # names are plain text: '$x$' or '$\\foo' is no formula
    import matplotlib.pyplot as plt

    return plt


def _plain(text: str) -> str:
    """Text from data as a chart shows it: each line with its control characters written as escapes (mathtext
    is off for every chart, so '$' is a dollar sign)."""
    from ..runtime.log import printable

    return "\n".join(printable(line) for line in str(text).split("\n"))


def _figure(figsize: tuple[float, float]):
    """A matplotlib Figure drawn by the Agg canvas without pyplot: no figure manager or backend switching
    (pyplot's machinery, some 20-30 ms of a report's start-up), and nothing to close afterwards. savefig
    picks the SVG or PNG printer by format, as with pyplot."""
    import matplotlib

    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "crimestat"  # the same chart gives the same file
    # Names are plain text here too: without this, a chart drawn first in a process (the report's, trend
    # --plot) read '$...$' in a force's name or a label as a formula, and '$\\foo' failed to draw.
    matplotlib.rcParams["text.parse_math"] = False
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def _tight(fig, rect: tuple[float, float, float, float]) -> None:
    """``fig.tight_layout(rect=rect)``, the same margins worked out the same way, but leaving the figure with no
    layout engine: ``tight_layout`` leaves a placeholder engine behind, and ``savefig`` then draws the whole
    figure once more before printing it (a dry run for layout engines), about a third of a chart's cost."""
    from matplotlib.layout_engine import TightLayoutEngine

    TightLayoutEngine(rect=rect).execute(fig)


def _check(path: str, option: str = "--plot") -> Path:
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise UsageError(f"{option} {path}: expected a file name ending in .png or .svg")
    if not target.parent.exists():
        raise UsageError(f"{option} {path}: folder '{target.parent}' does not exist")
    return target


def _save(fig, target, title: str, option: str = "--plot") -> None:
    """Draw ``fig`` to a stream, or to a file atomically: on a full disk or a signal the old chart stays
    whole and no temporary file is left (``output.write_atomically``)."""
    if not isinstance(target, Path):
        fig.savefig(target, format="svg", metadata={"Title": title, "Date": None})
        return
    from ..files import write_atomically

    if target.suffix.lower() == ".png":
        options = {"format": "png", "dpi": 150, "metadata": {"Title": title, "Software": "crimestat"}}
    else:
        options = {"format": "svg", "metadata": {"Title": title, "Date": None}}
    write_atomically(str(target), lambda stream: fig.savefig(stream, **options), option)


def trend_chart(result, path: str, option: str = "--plot") -> None:
    """Line chart of a trend result: force and England and Wales, rate against period end. ``option`` names
    where the path came from, for messages (``--plot``, or the report's ``--chart``/``--output``)."""
    _draw_trend(result, _check(path, option), option)


def trend_svg(result) -> str:
    """The trend chart as SVG text, for embedding in a page; kept in the cache (``render.chart_cache``),
    since drawing it means importing matplotlib."""
    import io

    from .chart_cache import cached_svg

    def draw() -> str:
        buffer = io.BytesIO()
        _draw_trend(result, buffer)
        text = buffer.getvalue().decode("utf-8")
        return text[text.index("<svg"):]  # drop the XML declaration and doctype for inline use

    what = f"{result.force.code}|{result.measure.measure}|{result.release}"
    # Everything _draw_trend reads from the result, as text (reprs of dates, floats and rows are exact).
    content = repr((result.force, result.measure, result.period_ends, result.force_rates,
                    result.england_and_wales_rates, result.breaks,
                    getattr(result, "short_citation", None) or result.source.short_citation, result.release,
                    getattr(result, "marks", None)))
    return cached_svg("trend-svg", what, content, draw)


def _draw_trend(result, target, option: str = "--plot") -> None:
    """Draw a :class:`~crimestat.analyses.trend.Trend`: force and England and Wales, rate against period end,
    with the source's recording changes marked where they fall."""
    fig = _figure((8, 4.5))
    ax = fig.subplots()
    for rows in (result.force_rates, result.england_and_wales_rates):
        (line,) = ax.plot([r.period_end for r in rows], [r.value for r in rows], marker="o", markersize=3,
                          label=_plain(rows[0].area))
        # An outcomes-series point marked in the table (England and Wales without a force, a recorded-basis
        # figure still filling in) is drawn hollow, so the chart does not show it as like the others.
        marked = [r for r in rows if getattr(result, "marks", {}).get((r.area_code, r.period_end))]
        if marked:
            ax.plot([r.period_end for r in marked], [r.value for r in marked], linestyle="none", marker="o",
                    markersize=6, markerfacecolor="white", markeredgecolor=line.get_color(),
                    label=f"{_plain(rows[0].area)}: see the notes")
    info = result.measure
    ends = result.period_ends
    first, last = ends[0], ends[-1]
    percent = info.unit == "percent"  # an outcome rate, not a rate per population
    title = (f"{info.label}{'' if percent else ', rate ' + result.unit}\n"
             f"{result.force.name} and England and Wales, 12 months to {first:%B %Y} to {last:%B %Y}")
    ax.set_title(_plain(title), fontsize=10)
    for when, text in result.breaks:
        ax.axvline(when, color="#888888", linestyle=":", linewidth=1)
        ax.annotate(text.split(' (')[0], (when, 0), xycoords=("data", "axes fraction"),
                    xytext=(3, 4), textcoords="offset points", fontsize=6, color="#555555", rotation=90, va="bottom")
    step = max(1, len(ends) // 8)
    ax.set_xticks(ends[::step], [f"{e:%b %Y}" for e in ends[::step]], fontsize=8)
    ax.set_xlabel("End of 12-month period")
    ax.set_ylabel(result.y_label if percent else f"Rate {result.unit}")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend()
    citation = result.short_citation if percent else result.source.short_citation
    footer = citation + (f"; release {result.release}" if result.release else "")
    fig.text(0.01, 0.01, footer, fontsize=7, color="#555555")
    _tight(fig, (0, 0.04, 1, 1))
    _save(fig, target, title.replace("\n", ". "), option)


# Where a label may sit beside its point (offset in points, horizontal alignment), in order of preference.
_LABEL_SPOTS = [((3, 2), "left"), ((3, -8), "left"), ((-3, 2), "right"), ((-3, -8), "right")]


def _place_labels(fig, ax, wanted: list[tuple], dots: list[tuple[float, float]]) -> tuple[int, int]:
    """Label points in the order given, each in the first spot that covers no other dot and no label
    placed before it.

    A label with no free spot is left out (the table has every force): overlapping names cannot be
    read. Returns how many were placed and left out.
    """
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend()
    labels: list = [legend.get_window_extent(renderer)] if legend is not None else []
    radius = 3 * fig.dpi / 72  # a dot's radius, in pixels
    centres = [tuple(ax.transData.transform(dot)) for dot in dots]
    frame = ax.get_window_extent(renderer)
    placed = 0
    for _, x, y, name in wanted:
        own = tuple(ax.transData.transform((x, y)))
        others = [Bbox.from_extents(cx - radius, cy - radius, cx + radius, cy + radius)
                  for cx, cy in centres if (cx, cy) != own]
        for offset, align in _LABEL_SPOTS:
            text = ax.annotate(_plain(name), (x, y), fontsize=6, xytext=offset, textcoords="offset points", ha=align)
            box = text.get_window_extent(renderer).expanded(1.05, 1.15)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in labels + others):
                labels.append(box)
                placed += 1
                break
            text.remove()
    return placed, len(wanted) - placed


def funnel_chart(points: list[dict], limits: dict, target: float, title: str, unit: str, path: str,
                 source_line: str) -> None:
    """Funnel plot: each force's rate against its denominator, England and Wales line and control limits.

    ``points`` hold name, denominator, rate and position, and may say ``small`` (a rate on a small resident
    population, City of London's: drawn at the edge with its value when outside the others' range, never
    stretching the axis) and ``highlight`` (the force asked about: drawn larger and always labelled).
    ``limits`` maps a label ('95%', '99.8%') to (denominators, lower rates, upper rates). Numbers on the chart
    are rounded half up, as in the tables.
    """
    from ..metrics.rounding import round_half_up

    out = _check(path)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    styles = {"95%": ("#1f77b4", "--"), "99.8%": ("#d62728", ":")}
    for label, (xs, lows, highs) in limits.items():
        colour, style = styles.get(label, ("grey", "-"))
        ax.plot(xs, lows, style, color=colour, label=f"{label} limits")
        ax.plot(xs, highs, style, color=colour)
    ax.axhline(target, color="black", linewidth=1, label=f"England and Wales ({round_half_up(target, 1)})")
    # A rate far above the rest (City of London's, with few residents) would flatten everyone else: the axis
    # is set by the other forces, and such points sit on the top (or bottom) edge as arrows, labelled with
    # their value.
    usual_points = [p for p in points if not p.get("small")] or points
    usual = [p["rate"] for p in usual_points]
    xs_usual = [float(p["denominator"]) for p in usual_points]
    left, right = min(xs_usual) / 1.5, max(xs_usual) * 1.5
    # The limits where the forces are, so that the widest drawn is in view.
    reach = [float(v) for _, lows, highs in limits.values() for v in (lows[-1], highs[-1])]
    ceiling = max(usual + [v for v in reach if v > target])
    if ceiling > 3 * target:
        ceiling = 2.5 * target
    low = min(usual + [target] + [v for v in reach if 0 < v < target]) * 0.9
    top, bottom = ceiling * 1.08, low
    ax.set_ylim(bottom, top)
    ax.set_xlim(left, right)
    wanted = []  # (how far out, x, y, text): the labels to place, furthest from the line first
    small_notes = []
    for p in points:
        outside = p["position"] != "within"
        colour = "#ff7f0e" if p.get("highlight") else "#d62728" if outside else "#333333"
        value = round_half_up(p["rate"], 1)
        mark = "‡" if p.get("small") else ""
        if p.get("small"):
            small_notes.append(f"{p['name']}, {int(p['denominator']):,} residents")
        x = float(p["denominator"])
        if not (bottom <= p["rate"] <= top and left <= x <= right):
            # Off the scale: an arrow on the edge it lies beyond, with the value.
            y = ceiling * 1.05 if p["rate"] > top else low * 1.03 if p["rate"] < bottom else p["rate"]
            marker = "^" if p["rate"] > top else "v" if p["rate"] < bottom else "<"
            x = min(max(x, left * 1.08), right / 1.08)
            ax.scatter(x, y, s=40, marker=marker, color=colour, zorder=3)
            residents = f" on {int(p['denominator']):,} residents" if p.get("small") else ""
            ax.annotate(_plain(f"{p['name']}{mark} ({value}{residents}, off the scale)"), (x, y),
                        fontsize=7, xytext=(5, -3 if marker == "^" else 2), textcoords="offset points")
            continue
        if p.get("highlight"):
            ax.scatter(p["denominator"], p["rate"], s=60, marker="D", color=colour, zorder=4,
                       label=_plain(f"{p['name']} ({value})"))
        else:
            ax.scatter(p["denominator"], p["rate"], s=18, color=colour, zorder=3)
        if outside or p.get("highlight") or p.get("small"):
            # Distance from the line in standard errors of a Poisson rate: the surprise, not the size.
            surprise = abs(p["rate"] - target) * (p["denominator"] / max(target, 1e-9)) ** 0.5
            first = float("inf") if p.get("highlight") else surprise
            wanted.append((first, p["denominator"], p["rate"], p["name"] + mark))
    ax.set_xscale("log")
    ax.set_xlim(left, right)
    ax.set_title(_plain(title), fontsize=10)
    ax.set_xlabel("Population (log scale)" if "population" in unit else "Households (log scale)")
    ax.set_ylabel(f"Rate {unit}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    _tight(fig, (0, 0.1 if small_notes else 0.06, 1, 1))
    dots = [(p["denominator"], p["rate"]) for p in points
            if bottom <= p["rate"] <= top and left <= float(p["denominator"]) <= right]
    _, left_out = _place_labels(fig, ax, sorted(wanted, key=lambda w: (-w[0], w[3])), dots)
    note = ("Forces outside the limits are labelled, furthest out first, where the name fits"
            + (f" ({left_out} do not; the table gives every force's position)." if left_out else "."))
    if small_notes:
        note += ("\n‡ a rate on a small resident population (" + "; ".join(small_notes) + "): not comparable "
                 "with other forces',\nas its crimes are mostly against the people who work in and visit it.")
    fig.text(0.01, 0.01, source_line + ".\n" + note, fontsize=7, color="#555555")
    _save(fig, out, title)
    plt.close(fig)
