"""Load the register of counting-rule and classification changes (``data/recording_changes.csv``)."""

from __future__ import annotations

import functools
import re
from importlib import resources

from ..model.recording_changes import RecordingChange, Register, month_end, month_start
from ._csv import Source, check_text, read_csv

COLUMNS = ["id", "from", "to", "effect", "measures", "title", "what_changed", "source"]
EFFECTS = ("counts", "classification")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def load_recording_changes(source: Source | None = None) -> Register:
    """Read the register (default: the packaged one), every problem of the file at once."""
    if source is None:
        return _packaged()
    return _read(source)


@functools.cache
def _packaged() -> Register:
    return _read(str(resources.files("crimestat") / "data" / "recording_changes.csv"))


def _read(source: Source) -> Register:
    table = read_csv(source, COLUMNS)
    ids = check_text(table, "id", "a short name such as 'burglary_residential'")
    titles = check_text(table, "title", "what changed, in a few words")
    texts = check_text(table, "what_changed", "a sentence saying what changed")
    cited = check_text(table, "source", "the document that records the change")
    measures = check_text(table, "measures", "measure names separated by '|'")
    changes = []
    for r, (key, title, text, cite, names) in enumerate(zip(ids, titles, texts, cited, measures)):
        start, end = table.column("from")[r].strip(), table.column("to")[r].strip()
        effect = table.column("effect")[r].strip()
        if not _MONTH.match(start):
            table.problem(f"'{start}' is not a month; expected YYYY-MM", r, "from")
            continue
        if end and (not _MONTH.match(end) or end < start):
            table.problem(f"'{end}' is not a month on or after {start}; expected YYYY-MM or empty", r, "to")
            continue
        if effect not in EFFECTS:
            table.problem(f"'{effect}' is not an effect; expected one of {', '.join(EFFECTS)}", r, "effect")
            continue
        changes.append(RecordingChange(key, month_start(start), month_end(end) if end else None, effect,  # type: ignore[arg-type]
                                       tuple(m.strip() for m in names.split("|") if m.strip()), title, text, cite))
    table.raise_problems()
    return Register(tuple(sorted(changes, key=lambda c: (c.start, c.id))))
