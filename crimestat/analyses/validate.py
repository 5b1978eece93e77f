"""``crimestat validate``: check input files and report every problem at once (the checks: crimestat/inputs.py)."""

from __future__ import annotations

from ..sources.kinds import LABELS, LOADERS, Checked, detect, manifest_digests, validate  # noqa: F401 (validate's API)
from dataclasses import dataclass

from ..results import Cell, Result, Section


@dataclass
class Validation:
    """Every file checked, with its problems (none when the file is good)."""

    checked: list[Checked]

    @property
    def ok(self) -> bool:
        return not any(c.problems for c in self.checked)

    def view(self) -> Result:
        return result(self.checked)

    def to_frame(self):
        return self.view().to_frame()


def result(checked: list[Checked]) -> Result:
    """The files checked, as a table for people and, for programs, one row per problem (a file without
    problems has one row with an empty ``problem``): no CSV field ever holds a line break."""
    records = []
    table = []
    for c in checked:
        status = "ok" if not c.problems else f"{len(c.problems)} problem{'s' if len(c.problems) != 1 else ''}"
        for problem in c.problems or [""]:
            records.append({"file": c.file, "kind": c.kind, "rows": c.rows, "status": status,
                            "problem": " ".join(problem.split("\n"))})
        table.append([Cell(c.file), Cell(c.kind), Cell(c.rows, "count") if c.rows is not None else Cell(""),
                      Cell(status)])
    notes = [p for c in checked for p in c.problems]
    bad = sum(1 for c in checked if c.problems)
    notes.append(f"{len(checked) - bad} of {len(checked)} files are valid.")
    return Result("crimestat validate", records,
                  [Section(["File", "Kind", "Rows", "Status"], table, ["left", "left", "right", "left"])],
                  notes, columns=["file", "kind", "rows", "status", "problem"])
