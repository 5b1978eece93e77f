"""Input files by kind: recognise what a file is from its header (or a workbook's sheets) and check it with the
loader every command uses, collecting every problem of every file rather than stopping at the first.

``crimestat validate`` reports these checks; ``crimestat releases add`` uses them to accept a release's files.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import keys
from ..errors import CrimestatError, DataFileError, Problem
from ..model.forces import Registry
from ..loaders._csv import read_csv, read_header, stdin_bytes
from ..loaders.classification import load_classification
from ..loaders.denominators import load_households, load_la_lookup, load_population
from ..loaders.forces import load_forces
from ..loaders.indicators import load_indicators
from .ons.parser import load_ons_crime
from ..loaders.peers import load_peer_groups
from .police_uk.parser import load_counts_csv


@dataclass
class Checked:
    file: str
    kind: str
    rows: int | None = None
    problems: list[str] = field(default_factory=list)
    key: str | None = None  # the kind as ``detect`` names it ("population", "home_office_crime" ...)


def detect(header: Sequence[str]) -> str | None:
    """The kind of crimestat input a header belongs to, or None."""
    columns = set(header)
    if {"Financial Year", "Force Name", "Outcome Type"} <= columns:
        return "outcomes"
    if {"force", "fy", "q"} <= columns and any(c.startswith(("closed_", "recorded_")) for c in columns):
        return "outcome_series"
    if {"force", "fy", "offence_group"} <= columns:
        return "outcome_groups"
    if {"Financial Year", "Financial Quarter", "Force Name", "Offence Code"} <= columns:
        return "home_office_crime"
    if "12 months ending" in columns or "Rolling year total number of offences" in columns:
        return "ons_crime"
    if {"Month", "Crime type"} <= columns:
        return "police_uk"
    if {"area_code", "month", "crime_type", "count"} <= columns:
        return "police_uk_counts"
    if {"source", "category", "measure"} <= columns:
        return "classification"
    if {"area", "period_end", "measure"} <= columns:
        return "indicators"
    if {"force", "peer"} <= columns:
        return "peers"
    if {"code", "name", "kind"} <= columns:
        return "forces"
    if any(re.match(r"^LAD\d{2}CD$", c, re.I) for c in columns) and any(re.match(r"^PFA\d{2}CD$", c, re.I) for c in columns):
        return "la_lookup"
    if "households" in columns:
        return "households"
    if any(re.match(r"^mid[-_ ]?\d{4}$", c, re.I) for c in columns) or {"year", "population"} <= columns:
        return "population"
    return None


LABELS = {
    "home_office_crime": "Home Office recorded crime tables", "outcomes": "Home Office crime outcomes",
    "outcome_series": "Home Office outcomes by force and quarter",
    "outcome_groups": "Home Office outcomes by force, year and offence group",
    "ons_crime": "ONS recorded crime", "police_uk": "police.uk street-level crime",
    "police_uk_counts": "police.uk monthly counts", "classification":
    "offence classification", "indicators": "indicators", "peers": "peer groups", "forces": "forces registry",
    "la_lookup": "local authority lookup", "households": "households", "population": "population",
}


def validate(files: Sequence[str], registry: Registry | None = None, la_lookups: Sequence[str] = (),
             expected: dict[str, str] | None = None) -> list[Checked]:
    """Check each file with the loader for its kind; a problem never stops the other files' checks.

    ``expected``: SHA-256 digests by resolved path (from the releases' manifests); a file that differs from
    its manifest is a problem however well it parses."""
    registry = registry or load_forces()
    expected = expected or {}
    results = []
    for name in files:
        stdin = stdin_bytes() if name == "-" else None
        checked = Checked("<stdin>" if stdin is not None else name, "unknown")

        def source(name=name, stdin=stdin):
            """The file again: stdin is read once and replayed."""
            return _Named(stdin) if stdin is not None else name

        try:
            digest = expected.get(_resolved(name)) if stdin is None else None
            if digest is not None:
                from ..cache import differs_from_manifest, file_digest

                try:
                    found = file_digest(name)
                except OSError:
                    found = None
                if found is not None and found != digest:
                    raise DataFileError.single(name, differs_from_manifest(name, digest, found))
            if stdin is None and Path(name).suffix.lower() in (".ods", ".xlsx"):
                header = _workbook_header(name)
            elif stdin is None and Path(name).is_file():
                header = read_header(name)  # gzip and byte-order marks read by their bytes
            else:
                header = read_csv(source(), [], allow_empty=True).header  # reports a missing file
            if not header:
                read_csv(source(), [])  # the empty-file message
            if len(header) == 1:
                read_csv(source(), [])  # names a wrong delimiter, if that is what it is
            kind = detect(header)
            if kind is None:
                raise DataFileError.single(
                    name, "not a file crimestat reads: its header matches no known input "
                    "(ONS recorded crime, population, households, indicators, peers, classification, forces, lookup)", 1)
            checked.kind, checked.key = LABELS[kind], kind
            checked.rows = _rows(LOADERS[kind](source(), registry, la_lookups))
        except DataFileError as exc:
            checked.problems = [str(p) for p in exc.problems]
        except CrimestatError as exc:
            checked.problems = [f"{name}: {exc}"]
        results.append(checked)
    return results


def _resolved(name: str) -> str:
    try:
        return str(Path(name).resolve())
    except (OSError, RuntimeError):
        return name


def manifest_digests(releases: Sequence) -> dict[str, str]:
    """Each release file's SHA-256 by resolved path, for :func:`validate`'s ``expected``."""
    return {_resolved(str(f.path)): f.sha256 for r in releases for f in r.files if f.sha256}


def _workbook_header(name: str) -> list[str]:
    """A workbook is the Home Office crime tables or the outcomes data: which, by its sheets' names."""
    from ..loaders.spreadsheet import read_sheet_tables  # noqa: F401 (reports an unreadable workbook below)
    from ..loaders.workbook_size import check_workbook_size

    check_workbook_size(name)  # before the reader opens it: an .ods is built whole as it opens

    try:
        from python_calamine import CalamineWorkbook

        sheets = CalamineWorkbook.from_path(name).sheet_names
    except Exception as exc:  # calamine's errors are not one family: any failure means the file is unreadable
        raise DataFileError.single(name, f"cannot be read as a workbook ({str(exc)[:200]})") from None
    if any(re.search(r"outcomes[ _]open[ _]data", s, re.I) for s in sheets):
        return ["Financial Year", "Force Name", "Outcome Type"]
    return ["Financial Year", "Financial Quarter", "Force Name", "Offence Code"]


class _Named(io.BytesIO):
    name = "<stdin>"


def _home_office(name, registry, lookups):
    from .home_office.parser import load_home_office_crime

    return _classified(load_home_office_crime(name, registry), "home_office", name)


def _ons_crime(name, registry, lookups):
    return _classified(load_ons_crime(name, registry), "ons", name)


def _classified(frame, source: str, name):
    """The loaded counts, once every category is known to the classification (what `compare` checks)."""
    from ..model.classified import check_classified

    shown = name if isinstance(name, str) else "<stdin>"
    from . import get

    check_classified(frame["category"].unique(), load_classification(), source, shown, kind=get(source).category_kind)
    return frame


def _outcomes(name, registry, lookups):
    from .outcomes import load_outcomes

    return load_outcomes(name, registry)


def _outcome_series(name, registry, lookups):
    from types import SimpleNamespace

    from .outcome_series import load_outcome_series

    table = load_outcome_series(name, registry)
    return SimpleNamespace(rows_read=int(table.counts.shape[0] * table.counts.shape[1]))


def _outcome_groups(name, registry, lookups):
    from types import SimpleNamespace

    from .outcome_series import load_outcome_groups

    table = load_outcome_groups(name, registry)
    return SimpleNamespace(rows_read=int(table.present.sum()) * len(table.groups))


LOADERS: dict[str, Callable] = {
    "outcome_series": _outcome_series,
    "outcome_groups": _outcome_groups,
    "home_office_crime": _home_office,
    "outcomes": _outcomes,
    "ons_crime": _ons_crime,
    "population": lambda name, registry, lookups: load_population(name, registry, lookups),
    "households": lambda name, registry, lookups: load_households(name, registry),
    "indicators": lambda name, registry, lookups: load_indicators(name, registry),
    "peers": lambda name, registry, lookups: load_peer_groups(name, registry),
    "classification": lambda name, registry, lookups: load_classification(name, known_sources=keys()),
    "forces": lambda name, registry, lookups: load_forces(name),
    "la_lookup": lambda name, registry, lookups: load_la_lookup([name]),
    "police_uk": lambda name, registry, lookups: _police_uk(name, registry),
    "police_uk_counts": lambda name, registry, lookups: load_counts_csv(name, registry),
}


def _rows(loaded) -> int | None:
    """How many records a loader returned."""
    if hasattr(loaded, "rows_read"):
        return loaded.rows_read
    if hasattr(loaded, "forces"):
        return len(loaded.forces)
    if hasattr(loaded, "groups"):
        return sum(len(v) for v in loaded.groups.values())
    if hasattr(loaded, "members"):
        return sum(len(v) for v in loaded.members.values())
    return len(loaded)


def _police_uk(source: str | io.BytesIO, registry: Registry):
    """A street-level file's rows, each counted or skipped; a skipped row is a problem to report."""
    from .police_uk.parser import StreetFile, count_bytes, count_file

    if isinstance(source, io.BytesIO):  # stdin: no file name, so the force comes from 'Falls within'
        summary = count_bytes(source.getvalue(), StreetFile("<stdin>", "<stdin>"), registry)
    else:
        summary = count_file(source, registry)
    name = source if isinstance(source, str) else "<stdin>"
    problems = list(summary.problems)
    for reason, n in summary.skipped.most_common():
        # The examples name the file too ("file, line 13 (Jaywalking)"); the problem already does.
        examples = [e.removeprefix(name).lstrip(", ").strip() for e in summary.examples.get(reason, [])[:3]]
        shown = "; ".join(e for e in examples if e)
        problems.append(Problem(name, f"{n:,} row{'s' if n != 1 else ''} cannot be counted: {reason}"
                                      + (f", e.g. {shown}" if shown else "")))
    if problems:
        raise DataFileError(problems)
    return summary


