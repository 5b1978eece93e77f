"""Data releases: named sets of files published together, each described by a manifest.

A release is a folder holding its files and a ``release.json`` manifest: the release's name, publisher,
publication date, source address and licence, and each file with its role (crime counts, population,
households, indicators, outcomes) and SHA-256. Releases are found in the data folder's ``releases/``
(``sample_data/releases`` by default, or ``$CRIMESTAT_DATA_DIR``) and in the user's data folder
(``$XDG_DATA_HOME/crimestat/releases``, by default ``~/.local/share/crimestat/releases``), so a job that
drops a new release's folder there makes it the default: the newest by publication date wins, and
``--release NAME`` picks another. Figures from two releases are never mixed: every file a command reads
comes from the one release it uses.

A data folder in the older flat layout (``ons-recorded-crime/rec-crime-pfa.csv``, ``population/...``),
given with ``--data-dir``, is read as a single unnamed release.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import DataFileError, UsageError

MANIFEST = "release.json"
ROLES = ("crime", "population", "households", "indicators", "outcomes", "geography")
SINGLE_ROLES = ("crime", "population", "indicators", "outcomes", "geography")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

# The flat layout of earlier versions of crimestat, read as one release.
FLAT_FILES = {
    "crime": "ons-recorded-crime/rec-crime-pfa.csv",
    "population": "population/pfa-population-mid2001-mid2019.csv",
    "households": "households/pfa-households-census-2011.csv",
    "indicators": "indicators/hmic-2014-published.csv",
}


@dataclass(frozen=True)
class ReleaseFile:
    role: str
    path: Path
    sha256: str | None = None
    description: str = ""


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

    def paths(self, role: str) -> list[ReleaseFile]:
        return [f for f in self.files if f.role == role]

    def path(self, role: str) -> ReleaseFile | None:
        found = self.paths(role)
        return found[0] if found else None


def default_data_dir() -> Path:
    """The data folder: $CRIMESTAT_DATA_DIR, the checkout's ``sample_data``, the installed package's copy of its
    releases, or ``./sample_data``."""
    env = os.environ.get("CRIMESTAT_DATA_DIR")
    if env:
        return Path(env)
    beside_package = Path(__file__).resolve().parents[1] / "sample_data"
    if beside_package.is_dir():
        return beside_package  # a checkout (or an editable install of one)
    inside_package = Path(__file__).resolve().parent / "sample_data"
    if inside_package.is_dir():
        return inside_package  # an installed wheel carries the shipped releases
    return Path("sample_data")


def user_data_dir() -> Path:
    """Where a user or a scheduled job adds releases of its own."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "crimestat"


def read_manifest(path: Path) -> Release:
    """A release from its ``release.json``; every problem is a DataFileError naming the file."""
    name = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError.single(name, f"cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise DataFileError.single(name, f"is not a JSON manifest ({exc}); expected crimestat's release.json",
                                   line) from None
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
        digest = entry.get("sha256")
        if digest is not None and not re.fullmatch(r"[0-9a-f]{64}", str(digest)):
            problems.append(f"file {i}: sha256 '{digest}' is not 64 hexadecimal digits")
            digest = None
        files.append(ReleaseFile(role, path.parent / relative, digest, str(entry.get("description", ""))))
    for role in SINGLE_ROLES:
        if sum(f.role == role for f in files) > 1:
            problems.append(f"more than one file has the role '{role}'; a release has one (households may "
                            "have several, one per Census)")
    if not any(f.role == "crime" for f in files) and entries:
        problems.append("no file has the role 'crime'; a release needs its crime counts")
    if problems:
        raise DataFileError([DataFileError.single(name, p).problems[0] for p in problems])
    return Release(release_name, str(document.get("title", release_name)), str(document.get("publisher", "")),
                   published, str(document.get("url", "")), str(document.get("licence", "")),
                   str(document.get("population", "")), path.parent, tuple(files))


def flat_release(folder: Path) -> Release:
    """A data folder in the flat layout of earlier versions, as one unnamed release."""
    files = tuple(ReleaseFile(role, folder / relative) for role, relative in FLAT_FILES.items()
                  if role != "indicators" or (folder / relative).is_file())
    return Release("data-dir", f"the files in {folder}", "", None, folder=folder, files=files)


def discover(data_dir: Path | None = None) -> list[Release]:
    """Every release in the data folder and the user's data folder, oldest first."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    found: dict[str, Release] = {}
    places = [folder / "releases"]
    if data_dir is None:
        places.append(user_data_dir() / "releases")
    for place in places:
        if not place.is_dir():
            continue
        for manifest in sorted(place.glob(f"*/{MANIFEST}")):
            release = read_manifest(manifest)
            if release.name in found:
                raise DataFileError.single(str(manifest), f"two releases are named '{release.name}': "
                                           f"{found[release.name].folder} and {release.folder}; rename one in "
                                           f"its {MANIFEST}")
            found[release.name] = release
    if not found and (folder / FLAT_FILES["crime"]).is_file():
        return [flat_release(folder)]
    return sorted(found.values(), key=lambda r: (r.published or date.min, r.name))


def choose(name: str | None, data_dir: Path | None = None) -> Release:
    """The release called ``name``, or the newest; an unknown name suggests the nearest."""
    releases = discover(data_dir)
    if not releases:
        folder = Path(data_dir) if data_dir is not None else default_data_dir()
        raise UsageError(f"no data releases found in '{folder}' (expected releases/NAME/{MANIFEST}); pass "
                         "--data-dir DIR, --crime FILE, or set CRIMESTAT_DATA_DIR")
    if name is None:
        return releases[-1]
    for release in releases:
        if release.name == name:
            return release
    import difflib

    names = [r.name for r in releases]
    near = difflib.get_close_matches(name, names, n=2, cutoff=0.4)
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
    raise UsageError(f"unknown release '{name}'{hint} (releases: {', '.join(names)})")
