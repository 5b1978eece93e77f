"""A ``Comparison`` laid out: the rates table, the changes table and the indicator block."""

from __future__ import annotations


from ...model import periods
from ...model.forces import ENGLAND_AND_WALES
from ...results import Cell, Result, Row, Section

#: Marks a force's change that differs from England and Wales's by more than forces' changes usually do
#: (|z| > 1.96 with additive overdispersion; ``analyses.changes``). England and Wales is never marked.
CHANCE_MARK = "†"


def _differs(row: Row) -> bool:
    from ...analyses.figures import differs_from_england_and_wales

    return differs_from_england_and_wales(row)


def _marker(row: Row) -> str:
    """† on a force's change that differs from England and Wales's; ‡ on a rate on a small resident population."""
    from ...analyses.figures import SMALL_MARK, small_denominator

    return CHANCE_MARK if _differs(row) else SMALL_MARK if small_denominator(row) else ""


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
    from ...metrics.rates import per_label  # here, not at the top: metrics.rates imports numpy, which `forces` needs not

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
    "not_yet_assigned_rate": "Not yet assigned an outcome (the same offences)",
    "charge_rate_closed": "Charge/summons rate of investigations closed (crimes excluding fraud)",
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
    charge_when = part.charge_period
    if part.charge and part.charge[0].value is not None:
        as_at = f", as at {part.as_at.day} {part.as_at:%B %Y}" if getattr(part, "as_at", None) else ""
        table.append([Cell(LABELS["charge_rate"]), Cell(periods.label(charge_when) + as_at)] +
                     [_cell(r, "percent", LABELS["charge_rate"]) for r in part.charge])
        add(LABELS["not_yet_assigned_rate"], charge_when, getattr(part, "pending", []), "percent")
    closed = part.charge_closed
    if closed is not None and closed.rates and closed.rates[0].value is not None:
        add(LABELS["charge_rate_closed"], closed.period, closed.rates, "percent")
        for base, pair in closed.changes:
            label = "  change, percentage points"
            table.append([Cell(label), Cell(f"from the 12 months to {base:%B %Y}")]
                         + [_cell(r, "points", label) for r in pair])
    if not table:
        return None
    return Section(["Other indicators", "Period", force_name, ENGLAND_AND_WALES], table,
                   ["left", "left", "right", "right"])
