"""From typed results to what people read: titles, tables (sections of cells) and notes.

Each analysis returns data (``Comparison``, ``Trend``, ``Ranking``); the functions here lay it out, once, for
every format: ``render`` turns the laid-out :class:`~crimestat.rows.Result` into a table, CSV, JSON or
Markdown.
"""

from __future__ import annotations

import sys
from typing import Any

from ..model import periods
from ..model.forces import ENGLAND_AND_WALES
from ..results import Cell, Result, Row, Section

#: Marks a force's change that differs from England and Wales's by more than forces' changes usually do
#: (|z| > 1.96 with additive overdispersion; ``analyses.changes``). England and Wales is never marked.
CHANCE_MARK = "†"


def _differs(row: Row) -> bool:
    from ..analyses.figures import differs_from_england_and_wales

    return differs_from_england_and_wales(row)


def _marker(row: Row) -> str:
    """† on a force's change that differs from England and Wales's; ‡ on a rate on a small resident population."""
    from ..analyses.figures import SMALL_MARK, small_denominator

    return CHANCE_MARK if _differs(row) else SMALL_MARK if small_denominator(row) else ""


def view(result: Any) -> Result:
    """The laid-out form of any analysis result (a Result is already laid out)."""
    if isinstance(result, Result):
        return result
    to_view = getattr(result, "view", None)
    if to_view is not None:
        return to_view()
    # A comparison is laid out here; asked by its module only if it is loaded (trend and rank need not load it).
    compare = sys.modules.get("crimestat.analyses.compare")
    if compare is not None and isinstance(result, compare.Comparison):
        return compare_view(result)
    breakdown = sys.modules.get("crimestat.analyses.breakdown")
    if breakdown is not None and isinstance(result, breakdown.Breakdown):
        return breakdown_view(result)
    raise TypeError(f"cannot render a {type(result).__name__}")


# -- compare -----------------------------------------------------------------------------------------------

def _pair_cells(pair: list[Row], kind: str, label: str) -> list[Cell]:
    """Cells for a force and England and Wales; a shared reason for a missing value is said once."""
    shared = len({r.note for r in pair}) == 1
    return [
        Cell(r.value, kind, "" if r.value is not None else
             f"{label}: {r.note}" if shared else f"{label}, {r.area}: {r.note}",
             _marker(r))
        for r in pair
    ]


def compare_view(c) -> Result:
    from ..metrics.rates import per_label  # here, not at the top: metrics.rates imports numpy, which `forces` needs not

    names = [c.force.name, ENGLAND_AND_WALES]
    group = c.peer_group is not None
    rate_table: list[list[Cell]] = []
    bases = [line.force.per or 1000 for line in c.rates]
    per = max(sorted(set(bases)), key=bases.count) if bases else 1000  # the most common base (ties: the smallest)
    for line in c.rates:
        info = line.measure
        label = info.label + ("*" if info.denominator == "households" else "")
        if (line.force.per or 1000) != per:
            label += f" (per {per_label(line.force.per or 1000)})"
        cells = [Cell(label)] + _pair_cells([line.force, line.england_and_wales], "rate", info.label)
        if group:
            avg = line.peer_average
            cells.append(Cell(avg.value, "rate", f"{info.label}, peer group: {avg.note}" if avg.note else ""))
        rate_table.append(cells)
    change_table = []
    for change in c.changes:
        label = f"{change.measure.label}, from the {periods.label(change.base)}"
        if change.recording_changes:
            label += " §"
        change_table.append([Cell(label)] + _pair_cells([change.force, change.england_and_wales], "change", label))
    sections = [
        Section([f"{periods.label(c.periods.current)}: rate per {per_label(per)} population"] + names +
                (["Peer group average"] if group else []), rate_table),
        Section(["Change in recorded crime"] + names, change_table),
    ]
    if c.indicators is not None and not c.indicators.empty:
        section = indicator_section(c.indicators, c.force.name)
        if section is not None:
            sections.append(section)
    title = f"{c.force.name} compared with England and Wales, {periods.label(c.periods.current)}"
    meta = {
        "command": "compare",
        "force": {"code": c.force.code, "name": c.force.name},
        "period_end": c.periods.current,
        "baseline_period_end": c.periods.baseline,
        "year_before_period_end": c.periods.year_before,
        "sources": c.files,
    }
    if c.release is not None:
        meta["release"] = c.release
    return Result(title, c.rows, sections, [n.text for n in c.notes], meta)


# -- indicators --------------------------------------------------------------------------------------------

LABELS = {
    "detection_rate": "Detection rate (crimes excluding fraud)",
    "asb_incidents": "Anti-social behaviour incidents per 1,000 population",
    "asb_count": "Anti-social behaviour incidents",
    "asb_incidents_change": "Anti-social behaviour, change on the previous 12 months",
    "victim_satisfaction": "Victim satisfaction",
    "charge_rate": "Charge/summons rate (crimes excluding fraud)",
}


def _cell(row: Row, kind: str, label: str) -> Cell:
    note = "" if row.value is not None else f"{label}, {row.area}: {row.note}"
    if kind == "percent_ci":
        value = None if row.value is None else (row.value, row.ci_low, row.ci_high)
        return Cell(value, kind, note)
    return Cell(row.value, kind, note)


def _count_cell(rate: Row) -> Cell:
    if rate.numerator is not None:
        return Cell(rate.numerator, "count")
    why = rate.note or "the indicators file gives a published rate, not a count"
    return Cell(None, "count", f"{LABELS['asb_count']}, {rate.area}: {why}")


def indicator_section(part, force_name: str) -> Section | None:
    """The "Other indicators" table: each indicator with its own period, only those the force has figures
    for (the others are named in one note by the analysis)."""
    table: list[list[Cell]] = []

    def when(period) -> Cell:
        return Cell(periods.label(period) if period is not None else "")

    def add(label: str, period, pair: list[Row], kind: str) -> None:
        if pair and pair[0].value is not None:
            table.append([Cell(label), when(period)] + [_cell(r, kind, label) for r in pair])

    add(LABELS["detection_rate"], part.detection_period, part.detection, "percent0")
    if part.asb_rate and part.asb_rate[0].value is not None:
        table.append([Cell(LABELS["asb_incidents"]), when(part.asb_period)] +
                     [_cell(r, "rate", LABELS["asb_incidents"]) for r in part.asb_rate])
    if part.asb_rate and part.asb_rate[0].numerator is not None:
        table.append([Cell(LABELS["asb_count"]), when(part.asb_period)] + [_count_cell(r) for r in part.asb_rate])
    add(LABELS["asb_incidents_change"], part.asb_period, part.asb_change, "change")
    add(LABELS["victim_satisfaction"], part.satisfaction_period, part.satisfaction, "percent_ci")
    add(LABELS["victim_satisfaction"] + ", previous year", part.previous_period, part.previous_satisfaction,
        "percent_ci")
    for label, verdict in (("Satisfaction against England and Wales", part.against_england_and_wales),
                           ("Satisfaction against the previous year", part.against_previous_year)):
        if verdict is not None and verdict.verdict:
            table.append([Cell(label), when(part.satisfaction_period), Cell(verdict.verdict, "verdict"), Cell("")])
    add(LABELS["charge_rate"], part.charge_period, part.charge, "percent")
    if not table:
        return None
    return Section(["Other indicators", "Period", force_name, ENGLAND_AND_WALES], table,
                   ["left", "left", "right", "right"])


# -- breakdown ---------------------------------------------------------------------------------------------

def _unadded(b) -> str:
    """Why the contributions shown do not add up: parts without one (a series break in the data)."""
    from ..metrics.rounding import round_half_up

    shown = sum(line.contribution.value for line in b.lines if line.contribution.value is not None)
    missing = [line.measure.label.lower() for line in b.lines if line.contribution.value is None]
    return (f", less the parts that have no count in one of the periods ({', '.join(missing)}): those shown add "
            f"up to {round_half_up(shown, 1)} points")


def breakdown_view(b) -> Result:
    """A breakdown as a table: the total, then each part, largest contributions first."""
    from ..analyses.breakdown import LEVEL_NAMES
    from ..analyses.compare import RECORDING_MARK, recording_change_notes
    from ..metrics.rounding import round_half_up

    chosen = b.periods
    base_label, current_label = f"{chosen.baseline:%b %Y}", f"{chosen.current:%b %Y}"
    households = False

    def cells(line, label: str) -> list[Cell]:
        nonlocal households
        change, rate, whole = line.change, line.rate, line.england_and_wales
        star = "*" if line.measure.denominator == "households" else ""
        households = households or bool(star)
        name = f"{label}{star}" + (f" {RECORDING_MARK}" if line.recording_changes else "")
        what = line.measure.label
        return [
            Cell(name),
            Cell(change.denominator, "count", "" if change.denominator is not None else f"{what}: {change.note}"),
            Cell(change.numerator, "count", "" if change.numerator is not None else f"{what}: {change.note}"),
            Cell(line.difference, "signed_count", ""),
            Cell(change.value, "change", "" if change.value is not None or change.numerator is None
                 or change.denominator is None else f"{what}, change: {change.note}", _marker(change)),
            Cell(line.contribution.value, "points"),
            Cell(rate.value, "rate", "" if rate.value is not None else f"{what}, rate: {rate.note}"),
            Cell(whole.value, "change", "" if whole.value is not None or whole.note == change.note
                 else f"{what}, England and Wales: {whole.note}"),
        ]

    table = [cells(b.total, f"{b.measure.label} (total)")] + [cells(line, line.measure.label) for line in b.lines]
    headers = [LEVEL_NAMES.get(b.level, b.level), base_label, current_label, "Change", "%", "Contrib. (points)",
               "Rate", "E&W %"]
    section = Section(headers, table, ["left"] + ["right"] * 7)
    total = b.total
    notes = []
    if total.change.value is not None and total.change.denominator:
        notes.append(f"Counts in the 12 months to {base_label} and to {current_label}; %: the change in percent; "
                     "E&W %: England and Wales's change in the same part. "
                     f"Contrib.: the contribution, a part's change as percentage points of {b.force.name}'s "
                     f"{b.measure.label.lower()} in the {periods.label(chosen.baseline)} "
                     f"({int(total.change.denominator):,}); the contributions add up to the total's change "
                     f"({round_half_up(total.change.value, 1)}%)" + (_unadded(b) if any(
                         line.contribution.value is None for line in b.lines) else "")
                     + ". Largest rises first, then the largest falls.")
    if any(line.marked for line in [total, *b.lines]):
        notes.append(f"{CHANCE_MARK} the force's change differs from England and Wales's by more than forces' changes "
                     "usually do: |z| > 1.96, z comparing the two changes with the spread between the 43 forces' "
                     "changes in the same part allowed for (tau, estimated for each part; CSV carries z and tau).")
    else:
        notes.append(f"No part's change differs from England and Wales's by more than forces' changes usually do "
                     f"(|z| > 1.96 would be marked {CHANCE_MARK}; tau estimated for each part from the 43 forces; CSV "
                     "carries z and tau).")

    class _Line:  # recording_change_notes reads a measure, a base and the changes straddled
        def __init__(self, line):
            self.measure, self.base, self.recording_changes = line.measure, chosen.baseline, line.recording_changes

    notes += recording_change_notes(None, [_Line(line) for line in [total, *b.lines]])  # type: ignore[arg-type]
    notes.append(f"Rate: per 1,000 population in the {periods.label(chosen.current)}"
                 + ("; * per 1,000 households." if households else "."))
    if b.dropped:
        notes.append(f"{b.dropped} {LEVEL_NAMES.get(b.level, b.level).lower()}s of {b.measure.label.lower()} have no "
                     "crimes recorded by any force in either period and are not listed.")
    notes.append(b.source.cite("ONS mid-year population estimates"))
    if b.release_note:
        notes.append(b.release_note)
    title = (f"{b.force.name}: {b.measure.label.lower()} by {LEVEL_NAMES.get(b.level, b.level).lower()}, "
             f"{periods.label(chosen.baseline)} to {chosen.current:%B %Y}")
    meta = {"command": "breakdown", "force": {"code": b.force.code, "name": b.force.name},
            "measure": b.measure.measure, "measure_label": b.measure.label, "level": b.level,
            "period_end": chosen.current, "baseline_period_end": chosen.baseline, "sources": b.files,
            "recording_changes": [c.id for c in b.recording_changes]}
    if b.release is not None:
        meta["release"] = b.release
    return Result(title, b.rows, [section], notes, meta)
