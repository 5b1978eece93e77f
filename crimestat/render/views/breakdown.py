"""A ``Breakdown`` laid out: the total, then each part, largest contributions first, with the notes."""

from __future__ import annotations

from ...model import periods
from ...results import Cell, Result, Section
from .compare import CHANCE_MARK, _marker


def _unadded(b) -> str:
    """Why the contributions shown do not add up: parts without one (a series break in the data)."""
    from ...metrics.rounding import round_half_up

    shown = sum(line.contribution.value for line in b.lines if line.contribution.value is not None)
    missing = [line.measure.label.lower() for line in b.lines if line.contribution.value is None]
    return (f", less the parts that have no count in one of the periods ({', '.join(missing)}): those shown add "
            f"up to {round_half_up(shown, 1)} points")


def breakdown_view(b) -> Result:
    """A breakdown as a table: the total, then each part, largest contributions first."""
    from ...analyses.breakdown import LEVEL_NAMES
    from ...analyses.compare import RECORDING_MARK, recording_change_notes
    from ...metrics.rounding import round_half_up

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
