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

from .errors import DataFileError, OutputError, Problem, UsageError
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
        for folder_found in sorted(place.iterdir()):
            if folder_found.name.startswith((".", "_")) or not folder_found.is_dir():
                continue  # a release being written (.NAME.*.tmp), __pycache__, a script beside the releases
            manifest = folder_found / MANIFEST
            if not manifest.is_file():
                _stray(folder_found)
                continue
            release = read_manifest(manifest)
            if release.name in found:
                raise DataFileError.single(str(manifest), f"two releases are named '{release.name}': "
                                           f"{found[release.name].folder} and {release.folder}; rename one in "
                                           f"its {MANIFEST}")
            found[release.name] = release
    if not found and (folder / FLAT_FILES["crime"]).is_file():
        return [flat_release(folder)]
    return sorted(found.values(), key=lambda r: (r.published or date.min, r.name))


def _stray(folder: Path) -> None:
    """A folder among the releases without a manifest is not read: say so, once per run, rather than ignore it."""
    from .runtime.log import warn

    if str(folder) in _warned:
        return
    _warned.add(str(folder))
    warn(f"{folder}: this folder has no {MANIFEST}, so it is not a release and is not read; add its files with "
         f"`crimestat releases add FILE... --name {_suggested_name(folder.name)}` (which writes the manifest), "
         "or remove the folder")


_warned: set[str] = set()


def _suggested_name(text: str) -> str:
    import re

    name = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return name or "NAME"


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


def choose(name: str | None, data_dir: Path | None = None, kind: str = "crime",
           found: list[Release] | None = None) -> Release:
    """The release called ``name``, or the newest that holds ``kind`` of data (by default crime counts); an
    unknown name suggests the nearest. ``found``: the releases ``discover`` gave, when already read."""
    releases = found if found is not None else discover(data_dir)
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


def newer_than(name: str, data_dir: Path | None = None) -> tuple[list[Release], Release]:
    """The releases published after the one called ``name`` (for ``--if-newer-than NAME``), and that release.

    Publication dates are compared, not the periods the data cover: a release that only revises figures
    already published is newer. Only releases holding a kind of data the named one holds count (crime counts,
    outcomes, indicators, the outcomes series). An unknown name is a usage error naming the releases found.
    """
    named = choose(name, data_dir)
    when = named.published or date.min
    kinds = [k for k in KINDS if named.has(k)]  # a job on crime counts is not woken by an outcomes series
    return [r for r in discover(data_dir) if (r.published or date.min) > when and any(r.has(k) for k in kinds)], named



# What each kind of file is in a release (crimestat.sources.kinds.detect names -> manifest roles).
ROLE_OF_KIND = {"home_office_crime": "crime", "ons_crime": "crime", "police_uk_counts": "crime",
                "population": "population", "households": "households", "outcomes": "outcomes",
                "indicators": "indicators", "outcome_series": "outcome_series", "outcome_groups": "outcome_groups"}


def user_releases() -> Path:
    """The folder ``releases add`` writes to and ``releases remove`` removes from."""
    return user_data_dir() / "releases"


def add(sources: list[str], name: str, *, publisher: str = "", published: date | None = None,
        title: str | None = None, licence: str = "", timeout: float | None = None,
        max_bytes: int | None = None) -> Release:
    """Make a release called ``name`` from files and addresses, as a user downloads them.

    Each file (or each download, fetched into a temporary folder first) is recognised by its header and
    checked with the loader every command uses; every problem of every file is reported at once. Only when
    all are good is the release written, under ``$XDG_DATA_HOME/crimestat/releases/NAME`` with a
    ``release.json`` giving each file's role and SHA-256, by renaming the finished folder into place: a
    failed download, a bad file, a full disk or a signal leaves no release and no folder behind.
    ``published`` defaults to today, so a release added now is the newest.
    """
    import json
    import shutil
    import tempfile

    from .loaders import download
    from .errors import CrimestatError
    from .sources.kinds import validate
    from .loaders.manifest import _NAME

    if not _NAME.match(name or ""):
        raise UsageError(f"--name '{name}': expected lower-case letters, digits, '.', '_' or '-', starting with a "
                         "letter or digit (such as home-office-2026-07)")
    if not sources:
        raise UsageError("give the release's files or addresses (FILE_OR_URL ...)")
    place = user_releases()
    taken = {r.name for r in discover()}
    if name in taken or (place / name).exists():
        raise UsageError(f"--name {name}: a release of that name exists already (`crimestat releases` lists them); "
                         f"expected a new name, or `crimestat releases remove {name}` first")
    try:
        place.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.{os.getpid()}.", suffix=".tmp", dir=place))
    except OSError as exc:
        raise UsageError(f"cannot create the release folder in {place} ({exc.strerror or exc})") from None
    try:
        problems: list[Problem] = []
        staged: list[tuple[str, Path]] = []  # (as given, the copy in the staging folder)
        names: set[str] = set()
        for given in sources:
            try:
                if download.is_url(given):
                    copy = download.fetch(given, staging, timeout or download.DEFAULT_TIMEOUT,
                                          max_bytes or download.DEFAULT_LIMIT, names)
                else:
                    copy = _copy_in(given, staging, names)
                staged.append((given, copy))
            except DataFileError as exc:
                problems += exc.problems
            except CrimestatError as exc:
                problems.append(Problem(given, str(exc).removeprefix(f"{given}: ")))
        # A file given is checked where it is, so that messages name it as the user does; a download is checked
        # in the staging folder, and its messages name its address.
        checked = validate([str(copy) if download.is_url(given) else given for given, copy in staged])
        roles: dict[str, list[str]] = {}
        entries = []
        for (given, copy), check in zip(staged, checked):
            problems += [_Stated(given, p.replace(str(copy), given)) for p in check.problems]
            if check.problems:
                continue
            role = ROLE_OF_KIND.get(check.key or "")
            if role is None:
                problems.append(Problem(given, f"is a {check.kind} file, not a file of a data release; expected crime "
                                               "counts, population, households, outcomes, the outcomes series or "
                                               "indicators"))
                continue
            roles.setdefault(role, []).append(given)
            entries.append({"role": role, "path": copy.name, "sha256": _sha256_of(copy),
                            "description": f"{check.kind}, from {given}"})
        for role, files in roles.items():
            if role != "households" and len(files) > 1:
                problems.append(Problem(files[1], f"is a second {role} file ({files[0]} is the first); a release "
                                                  f"has one"))
        if not problems and "outcome_series" not in roles:  # a release of the outcomes series needs no crime
            for role in ("crime", "population"):
                if role not in roles:
                    problems.append(Problem(name, f"has no {role} file; a release needs its crime counts and the "
                                                  "population they are rated by (or the outcomes series)"))
        if problems:
            raise DataFileError(problems)
        manifest = {"name": name, "title": title or name, "publisher": publisher,
                    "published": (published or date.today()).isoformat(),
                    "url": next((s for s in sources if download.is_url(s)), ""), "licence": licence,
                    "files": entries}
        with open(staging / MANIFEST, "w", encoding="utf-8") as stream:
            json.dump(manifest, stream, indent=2)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(staging, 0o755)  # mkdtemp makes the folder private
        try:
            os.rename(staging, place / name)
        except OSError as exc:
            raise OutputError(f"--name {name}: the release cannot be put in place ({exc.strerror or exc}); nothing "
                              "was added") from None
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"the release cannot be written in {place} ({exc.strerror or exc}); nothing was added") \
            from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return read_manifest(place / name / MANIFEST)


class _Stated(Problem):
    """A problem whose message already names its file and place (as ``validate`` words them)."""

    def __str__(self) -> str:
        return self.message


def _copy_in(given: str, folder: Path, names: set[str]) -> Path:
    """A copy of the file ``given`` in ``folder`` (the release keeps its own copy, under the same name)."""
    import shutil

    source = Path(given)
    if not source.is_file():
        raise DataFileError.single(given, "file not found" if not source.exists() else "is not a file")
    if source.name in names:
        raise DataFileError.single(given, f"its name '{source.name}' is already used by another file of the "
                                          "release; expected each file to have its own name")
    names.add(source.name)
    target = folder / source.name
    shutil.copyfile(source, target)
    return target


def _sha256_of(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def remove(name: str) -> Path:
    """Remove the user's release called ``name`` (the shipped ones and a --data-dir's are not the user's to
    remove here); returns the folder removed."""
    import shutil

    folder = user_releases() / name
    if not name or "/" in name or name.startswith(".") or not (folder / MANIFEST).is_file():
        others = [r.name for r in discover() if r.folder is not None and r.folder.parent == user_releases()]
        shipped = any(r.name == name for r in discover())
        why = "it is shipped with crimestat, not one you added" if shipped else "no release of yours has that name"
        raise UsageError(f"cannot remove '{name}': {why} (yours: {', '.join(others) or 'none'}, in {user_releases()})")
    shutil.rmtree(folder)
    return folder


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
