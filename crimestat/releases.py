"""Data releases: named sets of files published together, each described by a manifest.

A release is a folder holding its files and a ``release.json`` manifest: the release's name, publisher,
publication date, source address and licence, and each file with its role (crime counts, population,
households, indicators, outcomes) and SHA-256. Releases are found in the data folder's ``releases/``
(``sample_data/releases`` by default, or ``$CRIMESTAT_DATA_DIR``) and in the user's data folder
(``$XDG_DATA_HOME/crimestat/releases``, by default ``~/.local/share/crimestat/releases``), so a job that
drops a new release's folder there makes it the default: the newest by publication date wins, and
``--release NAME`` picks another. A release may hold one kind of data only (the outcomes series of July
2026 has no crime counts): each kind - crime counts with their population and households, the outcomes
series - is then taken from the newest release that has it, and the notes name every release used. Figures
from two releases are never mixed inside one rate: each kind's files come from one release, and
``--release NAME`` takes every kind from that one release.

A data folder in the older flat layout (``ons-recorded-crime/rec-crime-pfa.csv``, ``population/...``),
given with ``--data-dir``, is read as a single unnamed release.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from .errors import DataFileError, UsageError
from .loaders.manifest import KINDS, MANIFEST, Release, ReleaseFile, read_manifest

# The flat layout of earlier versions of crimestat, read as one release.
FLAT_FILES = {
    "crime": "ons-recorded-crime/rec-crime-pfa.csv",
    "population": "population/pfa-population-mid2001-mid2019.csv",
    "households": "households/pfa-households-census-2011.csv",
    "indicators": "indicators/hmic-2014-published.csv",
}


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


def newest(kind: str, data_dir: Path | None = None, found: list[Release] | None = None) -> Release | None:
    """The newest release holding ``kind`` of data (``crime``, ``outcome_series`` ...), or None."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of data '{kind}'; expected one of {', '.join(KINDS)}")
    having = [r for r in (found if found is not None else discover(data_dir)) if r.has(kind)]
    return having[-1] if having else None


def no_releases(data_dir: Path | None = None) -> UsageError:
    """The error for a data folder with no release in it."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    return UsageError(f"no data releases found in '{folder}' (expected releases/NAME/{MANIFEST}); pass "
                      "--data-dir DIR, --crime FILE, or set CRIMESTAT_DATA_DIR")


def choose(name: str | None, data_dir: Path | None = None, kind: str = "crime") -> Release:
    """The release called ``name``, or the newest that holds ``kind`` of data (by default crime counts); an
    unknown name suggests the nearest."""
    releases = discover(data_dir)
    if not releases:
        raise no_releases(data_dir)
    if name is None:
        return newest(kind, found=releases) or releases[-1]
    for release in releases:
        if release.name == name:
            return release
    import difflib

    names = [r.name for r in releases]
    near = difflib.get_close_matches(name, names, n=2, cutoff=0.4)
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
    raise UsageError(f"unknown release '{name}'{hint} (releases: {', '.join(names)})")


def owners(named: list[tuple[str, str]], data_dir: Path | None, chosen: str | None) -> list[tuple[str, str, str | None]]:
    """Each (role, path) with the release whose manifest lists the same bytes (None when none does), so a
    file named in place of a release's is labelled as what it is. The same bytes in several releases (a Census
    households file): the chosen release's, else the crime file's release, else the newest."""
    try:
        known = discover(data_dir)
    except DataFileError:
        known = []
    by_digest: dict[str, list[str]] = {}
    for r in known:
        for f in r.files:
            if f.sha256:
                by_digest.setdefault(f.sha256, []).append(r.name)
    out: list[tuple[str, str, str | None]] = []
    for role, path in named:
        found: list[str] = []
        try:
            if Path(path).is_file() and Path(path).stat().st_size <= 512 * 1024 * 1024:
                from .cache import file_digest

                found = by_digest.get(file_digest(path), [])
        except OSError:
            pass
        prefer = [chosen] + [o for _, _, o in out]
        out.append((role, path, next((p for p in prefer if p in found), found[-1] if found else None)))
    return out
