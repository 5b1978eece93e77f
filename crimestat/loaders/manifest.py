"""Read a release's manifest (``release.json``): its name, publisher, date, address, licence and files.

The manifest is checked as it is read (a name crimestat can show, an ISO date, each file's role, a path
inside the release folder, a SHA-256 of 64 hexadecimal digits, a crime file or an outcomes series); every
problem is a ``DataFileError`` naming the manifest. A release made by summing published files (the outcomes
series) lists those files under ``sources`` (year, name, address, SHA-256) and says how under ``aggregation``. ``crimestat.releases`` finds the manifests and picks a release.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import DataFileError

MANIFEST = "release.json"
ROLES = ("crime", "population", "households", "indicators", "outcomes", "geography", "outcome_series",
         "outcome_groups")
SINGLE_ROLES = ("crime", "population", "indicators", "outcomes", "geography", "outcome_series", "outcome_groups")
# The kinds of data a command may take from different releases (each kind's files from one release, so
# no rate mixes releases): crime counts with their denominators, indicators, outcomes by type, and the
# outcomes series.
KINDS = {"crime": ("crime", "population", "households", "geography"), "indicators": ("indicators",),
         "outcomes": ("outcomes",), "outcome_series": ("outcome_series", "outcome_groups")}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class ReleaseFile:
    role: str
    path: Path
    sha256: str | None = None
    description: str = ""
    # The ONS edition of the estimates in a population or households file, by years it covers:
    # (first year, last year, edition), from the manifest's "editions".
    editions: tuple[tuple[int, int, str], ...] = ()

    def edition(self, year: int) -> str:
        """The edition the file's figure for ``year`` comes from ("" if the manifest does not say)."""
        return next((text for first, last, text in self.editions if first <= year <= last), "")


@dataclass(frozen=True)
class SourceFile:
    """A published file a release's own files were made from (not shipped): where it was and its SHA-256."""

    path: str
    url: str = ""
    sha256: str | None = None
    financial_year: str = ""
    size_bytes: int | None = None


@dataclass(frozen=True)
class Release:
    """One named release and its files."""

    name: str
    title: str
    publisher: str
    published: date | None
    url: str = ""
    licence: str = ""
    population: str = ""  # what the population series is, for notes ("ONS mid-year estimates revised ...")
    folder: Path | None = None
    files: tuple[ReleaseFile, ...] = field(default_factory=tuple)
    sources: tuple[SourceFile, ...] = field(default_factory=tuple)
    aggregation: str = ""

    def has(self, kind: str) -> bool:
        """Whether the release holds a kind of data (``KINDS``: crime, indicators, outcomes, outcome_series)."""
        return any(f.role == KINDS[kind][0] for f in self.files)

    @property
    def cited(self) -> str:
        """'home-office-2026-04 (Home Office, published 23 April 2026)': how a note names the release."""
        detail = ", ".join(x for x in (self.publisher, f"published {self.published.day} {self.published:%B %Y}"
                                       if self.published else "") if x)
        return f"{self.name} ({detail})" if detail else self.name

    def paths(self, role: str) -> list[ReleaseFile]:
        return [f for f in self.files if f.role == role]

    def path(self, role: str) -> ReleaseFile | None:
        found = self.paths(role)
        return found[0] if found else None


def _editions(value: object, i: int, problems: list[str]) -> tuple[tuple[int, int, str], ...]:
    """A file's "editions": a list of {"from": year, "to": year, "edition": text}; problems are collected."""
    if value is None:
        return ()
    expected = 'expected a list of {"from": YYYY, "to": YYYY, "edition": "..."}'
    if not isinstance(value, list):
        problems.append(f"file {i}: 'editions' is not a list; {expected}")
        return ()
    found = []
    for item in value:
        first = item.get("from") if isinstance(item, dict) else None
        last = item.get("to") if isinstance(item, dict) else None
        text = str(item.get("edition", "")).strip() if isinstance(item, dict) else ""
        if not (isinstance(first, int) and isinstance(last, int) and first <= last and text):
            problems.append(f"file {i}: edition {item!r}; {expected}")
            continue
        found.append((first, last, text))
    return tuple(found)


def read_manifest(path: Path) -> Release:
    """A release from its ``release.json``; every problem is a DataFileError naming the file."""
    name = str(path)
    from ..files import note_input

    note_input(path)  # --output may not write over a release's own manifest
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError.single(name, f"cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise DataFileError.single(name, f"is not a JSON manifest ({exc}); expected crimestat's release.json",
                                   line) from None
    except RecursionError:
        raise DataFileError.single(name, "is nested too deeply to be a manifest; expected crimestat's release.json "
                                         "(an object of name, publisher and files)") from None
    if not isinstance(document, dict):
        raise DataFileError.single(name, "expected a JSON object with 'name' and 'files'")
    problems = []
    release_name = str(document.get("name", "")).strip()
    if not _NAME.match(release_name):
        problems.append(f"'name' is '{release_name}'; expected lower-case letters, digits, '.', '_' or '-'")
    published = None
    text = str(document.get("published", "")).strip()
    try:
        published = date.fromisoformat(text) if text else None
    except ValueError:
        problems.append(f"'published' is '{text}'; expected a date as YYYY-MM-DD")
    files = []
    entries = document.get("files")
    folder = None  # the release folder as it resolves, for the links among its files
    if not isinstance(entries, list) or not entries:
        problems.append("'files' is missing or empty; expected a list of {role, path, sha256}")
        entries = []
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"file {i}: expected an object with 'role' and 'path'")
            continue
        role, relative = str(entry.get("role", "")), str(entry.get("path", ""))
        if role not in ROLES:
            problems.append(f"file {i}: role '{role}'; expected one of {', '.join(ROLES)}")
        if not relative or Path(relative).is_absolute() or ".." in Path(relative).parts or \
                any(not c.isprintable() for c in relative):
            problems.append(f"file {i}: path '{relative}'; expected a file name inside the release folder")
            continue
        try:  # a link inside the folder must not lead out of it (or the manifest's checksums mean nothing)
            if folder is None:
                folder = path.parent.resolve()
            inside = (path.parent / relative).resolve().is_relative_to(folder)
        except (OSError, RuntimeError):  # a link that loops
            inside = False
        if not inside:
            problems.append(f"file {i}: path '{relative}' leads outside the release folder (a symbolic link); "
                            "expected a file inside it")
            continue
        digest = entry.get("sha256")
        if digest is not None and not re.fullmatch(r"[0-9a-f]{64}", str(digest)):
            problems.append(f"file {i}: sha256 '{digest}' is not 64 hexadecimal digits")
            digest = None
        editions = _editions(entry.get("editions"), i, problems)
        files.append(ReleaseFile(role, path.parent / relative, digest, str(entry.get("description", "")), editions))
    for role in SINGLE_ROLES:
        if sum(f.role == role for f in files) > 1:
            problems.append(f"more than one file has the role '{role}'; a release has one (households may "
                            "have several, one per Census)")
    if not any(f.role in ("crime", "outcome_series") for f in files) and entries:
        problems.append("no file has the role 'crime' or 'outcome_series'; a release needs its crime counts or "
                        "an outcomes series")
    sources = []
    listed = document.get("sources", [])
    if not isinstance(listed, list):
        problems.append("'sources' is not a list; expected the published files the release was made from")
        listed = []
    for i, entry in enumerate(listed, 1):
        if not isinstance(entry, dict) or not str(entry.get("path", "")).strip():
            problems.append(f"source {i}: expected an object with 'path', 'url' and 'sha256'")
            continue
        digest = entry.get("sha256")
        if digest is not None and not re.fullmatch(r"[0-9a-f]{64}", str(digest)):
            problems.append(f"source {i}: sha256 '{digest}' is not 64 hexadecimal digits")
            digest = None
        size = entry.get("size_bytes")
        sources.append(SourceFile(str(entry["path"]), str(entry.get("url", "")), digest,
                                  str(entry.get("financial_year", "")), size if isinstance(size, int) else None))
    if problems:
        raise DataFileError([DataFileError.single(name, p).problems[0] for p in problems])
    return Release(release_name, str(document.get("title", release_name)), str(document.get("publisher", "")),
                   published, str(document.get("url", "")), str(document.get("licence", "")),
                   str(document.get("population", "")), path.parent, tuple(files), tuple(sources),
                   str(document.get("aggregation", "")))
