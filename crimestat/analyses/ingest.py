"""``crimestat ingest police-uk``: monthly counts from the police.uk street-level archive."""

from __future__ import annotations

from ..model.forces import Registry
from ..sources.police_uk.parser import FileCounts, iter_counts
from ..results import Result

COLUMNS = ["area_code", "area", "month", "crime_type", "count"]


def counts_result(counts: FileCounts, registry: Registry) -> Result:
    """The tidy monthly counts as a result (CSV/JSON: one row per force, month and crime type)."""
    records = [dict(zip(COLUMNS, row)) for row in iter_counts(counts, registry)]
    return Result("police.uk monthly counts", records, [], summary(counts, registry), columns=COLUMNS)


def summary(counts: FileCounts, registry: Registry) -> list[str]:
    """What was read, what was skipped and why, and which forces and months were seen."""
    counted = sum(counts.counts.values())
    skipped = sum(counts.skipped.values())
    lines = [f"read {counts.rows_read:,} rows from {counts.files:,} file{'' if counts.files == 1 else 's'}; counted {counted:,}, "
             f"skipped {skipped:,}"]
    for reason, n in counts.skipped.most_common():
        lines.append(f"  skipped {n:,}: {reason}, e.g. {'; '.join(counts.examples.get(reason, [])[:3])}")
    if counts.ignored:  # police.uk downloads hold these beside the street files: say they were not read
        lines.append(f"left out {len(counts.ignored):,} outcomes and stop-and-search file"
                     f"{'' if len(counts.ignored) == 1 else 's'} (not street-level crime), e.g. {counts.ignored[0]}")
    forces = sorted({registry.by_code(code).name for code, _, _ in counts.counts})
    months = sorted({month for _, month, _ in counts.counts})
    if months:
        lines.append(f"forces ({len(forces)}): {', '.join(forces)}")
        lines.append(f"months ({len(months)}): {months[0]} to {months[-1]}"
                     + (f", missing {', '.join(_missing_months(months))}" if _missing_months(months) else ""))
    return lines


def _missing_months(months: list[str]) -> list[str]:
    first, last = (int(m[:4]) * 12 + int(m[5:]) - 1 for m in (months[0], months[-1]))
    present = set(months)
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(first, last + 1) if f"{i // 12}-{i % 12 + 1:02d}" not in present]
