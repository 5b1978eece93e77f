"""The cache of validated loads: it may make runs faster, never a figure stale or an error disappear."""

import os
import shutil

import pytest

from conftest import SAMPLE
from crimestat.dataset import DataPaths, load_dataset
from crimestat.model.periods import as_period

# The tests are about the cache, not about the figures of all forces: they read the shipped ONS 2019 crime file
# cut to its Warwickshire rows (conftest `warwickshire_crime`: real rows, verbatim), which parses in a fraction
# of the time of the whole file. Warwickshire's figures in it are the shipped file's.
CRIME = SAMPLE / "releases/ons-2019/rec-crime-pfa.csv"
JUNE_2014 = as_period("2014-06-30")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CRIMESTAT_CACHE_DIR", str(folder))
    monkeypatch.delenv("CRIMESTAT_NO_CACHE", raising=False)
    return folder


@pytest.fixture(scope="module")
def first_load(tmp_path_factory, warwickshire_crime):
    """The cache as one load of the shipped crime file leaves it: parsed once per worker, then copied into each
    test's own folder, for tests whose subject is what happens to an entry after it is written."""
    folder = tmp_path_factory.mktemp("first-load") / "cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRIMESTAT_CACHE_DIR", str(folder))
        patch.delenv("CRIMESTAT_NO_CACHE", raising=False)
        assert warwickshire_total(warwickshire_crime) == 27651  # the published figure (README, test_compare.py)
    assert list(folder.glob("ons-*.entry"))
    return folder


@pytest.fixture
def filled(cache, first_load):
    """A test's own cache folder holding what the first load of the crime file wrote (files, modes)."""
    shutil.copytree(first_load, cache)
    return cache


def warwickshire_total(path):
    counts = load_dataset(DataPaths(data_dir=SAMPLE, crime=str(path))).counts
    return counts.count("crime_excl_fraud", "E23000017", JUNE_2014).value


def edit_keeping_size_and_time(path, old: bytes, new: bytes):
    """Change bytes in place without changing the file's size or modification time."""
    assert len(old) == len(new)
    before = os.stat(path)
    data = path.read_bytes()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size and os.stat(path).st_mtime_ns == before.st_mtime_ns


def test_an_edited_file_is_read_again_even_with_its_size_and_time_kept(cache, tmp_path, warwickshire_crime):
    crime = tmp_path / "crime.csv"
    shutil.copyfile(warwickshire_crime, crime)
    assert warwickshire_total(crime) == 27651  # the published-data figure (README, tests/test_compare.py)
    assert list(cache.iterdir())
    # Warwickshire's robberies in the 12 months to June 2014: 240 in the file; make them 940.
    row = b"30-06-2014,Warwickshire,West Midlands,Robbery,"
    edit_keeping_size_and_time(crime, row + b"240", row + b"940")
    assert warwickshire_total(crime) == 27651 + 700


def test_an_entry_is_decoded_once_per_process_until_its_file_changes(filled, warwickshire_crime, monkeypatch):
    """A second load in the same process (a notebook calling crimestat.load again) reuses the decoded entry;
    an entry whose file has changed since, even for one of the same bytes and modification time, is read
    and checked afresh."""
    import crimestat.cache as cache_module

    decoded = []
    real = cache_module.decode
    monkeypatch.setattr(cache_module, "decode", lambda raw, **options: decoded.append(1) or real(raw, **options))
    assert warwickshire_total(warwickshire_crime) == 27651
    first = len(decoded)
    assert first >= 1  # read from the entry the first load of the file wrote
    assert warwickshire_total(warwickshire_crime) == 27651
    assert len(decoded) == first  # reused, not decoded again
    (entry,) = filled.glob("ons-*.entry")
    table, _ = cache_module._read_entry(entry)[0]
    assert not table.cube.flags.writeable  # shared between loads, so nothing can change it
    # Replaced by a copy of itself with its modification time put back: the same bytes, another file.
    before = os.stat(entry)
    shutil.copyfile(entry, filled / "copy")
    os.utime(filled / "copy", ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(filled / "copy", entry)
    assert warwickshire_total(warwickshire_crime) == 27651
    assert len(decoded) == first + 1


def test_a_corrupt_entry_is_ignored_and_replaced(filled, tmp_path, warwickshire_crime):
    assert warwickshire_total(warwickshire_crime) == 27651
    for entry in filled.iterdir():
        entry.write_bytes(b"not a pickle")
    assert warwickshire_total(warwickshire_crime) == 27651
    assert all(entry.read_bytes() != b"not a pickle" for entry in filled.iterdir())


def test_a_cache_folder_that_cannot_be_made_is_not_used(tmp_path, monkeypatch, warwickshire_crime):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CRIMESTAT_CACHE_DIR", str(blocker / "cache"))  # a folder inside a file
    assert warwickshire_total(warwickshire_crime) == 27651


def test_no_cache_writes_nothing(cache, monkeypatch, warwickshire_crime):
    monkeypatch.setenv("CRIMESTAT_NO_CACHE", "1")
    assert warwickshire_total(warwickshire_crime) == 27651
    assert not cache.exists()


def test_a_failed_load_is_not_cached(cache, run, tmp_path, warwickshire_crime):
    crime = tmp_path / "crime.csv"
    text = warwickshire_crime.read_text()
    row = "30-06-2014,Warwickshire,West Midlands,Robbery,"
    crime.write_text(text.replace(row + "240", row + "lots", 1))
    for _ in range(2):
        result = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--crime", crime)
        assert result.exit_code == 1 and "'lots' is not a number" in result.stderr
    assert not cache.exists() or not any(p.name.startswith("ons_crime") for p in cache.iterdir())


def test_a_different_forces_registry_is_not_served_an_earlier_load(filled, tmp_path, warwickshire_crime):
    """The registry turns names into codes: a load cached under one registry is no answer for another."""
    from crimestat.errors import DataFileError
    from crimestat.loaders.forces import packaged_forces_path

    assert warwickshire_total(warwickshire_crime) == 27651
    forces = tmp_path / "forces.csv"
    rows = packaged_forces_path().read_text().splitlines(keepends=True)
    # The same 43 territorial codes, but Warwickshire known only as "Warks".
    renamed = "E23000017,Warks,West Midlands,England,territorial,warks,Warks Police\n"
    forces.write_text("".join(renamed if r.startswith("E23000017,") else r for r in rows))
    data = load_dataset(DataPaths(data_dir=SAMPLE, crime=str(warwickshire_crime), forces=str(forces)))
    with pytest.raises(DataFileError, match="'Warwickshire' is not a known police force area"):
        _ = data.counts


def test_changed_code_is_not_served_an_earlier_load(filled, monkeypatch, warwickshire_crime):
    from crimestat import cache as cache_module

    assert warwickshire_total(warwickshire_crime) == 27651
    entries = set(filled.iterdir())
    monkeypatch.setattr(cache_module, "code_digest", lambda: "another-version-of-the-code")
    assert warwickshire_total(warwickshire_crime) == 27651
    after = set(filled.iterdir())
    assert len(after) == len(entries) and not after & entries  # read afresh; each entry replaced


def test_a_new_version_of_a_file_replaces_its_entry(cache, tmp_path, warwickshire_crime):
    crime = tmp_path / "crime.csv"
    shutil.copyfile(warwickshire_crime, crime)
    warwickshire_total(crime)
    first = sorted(p.name for p in cache.glob("ons-*.entry"))
    row = b"30-06-2014,Warwickshire,West Midlands,Robbery,"
    crime.write_bytes(crime.read_bytes().replace(row + b"240", row + b"241"))
    assert warwickshire_total(crime) == 27651 + 1
    second = sorted(p.name for p in cache.glob("ons-*.entry"))
    assert len(first) == len(second) == 1 and first != second
    assert warwickshire_total(warwickshire_crime) == 27651  # another file has a slot of its own
    assert len(list(cache.glob("ons-*.entry"))) == 2


def test_flipped_bits_are_detected_and_the_file_read_again(filled, warwickshire_crime):
    """Issue 16 class 7: an entry is checked against its SHA-256; a damaged one never gives a figure."""
    assert warwickshire_total(warwickshire_crime) == 27651
    (entry,) = filled.glob("ons-*.entry")
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0x01
    entry.write_bytes(bytes(data))
    assert warwickshire_total(warwickshire_crime) == 27651
    assert entry.exists() or list(filled.glob("ons-*.entry"))


def test_entries_are_data_not_pickles_and_private(cache, warwickshire_crime):
    warwickshire_total(warwickshire_crime)
    for entry in cache.iterdir():  # entries, and the empty markers that say an entry's warnings were shown
        assert entry.read_bytes().startswith(b"crimestat-cache 2\n") or (
            entry.name.endswith(".entry.shown") and entry.stat().st_size == 0)
        assert entry.stat().st_mode & 0o077 == 0
    assert cache.stat().st_mode & 0o077 == 0


def test_a_planted_entry_open_to_others_is_not_read(filled, warwickshire_crime):
    from crimestat.cache import decode, encode

    assert warwickshire_total(warwickshire_crime) == 27651
    (entry,) = filled.glob("ons-*.entry")
    table, coverage = decode(entry.read_bytes())[0]
    table.cube[:] = 1  # plausible wrong figures, properly checksummed
    entry.write_bytes(encode(((table, coverage), [])))
    entry.chmod(0o666)  # as a file another user could have written
    assert warwickshire_total(warwickshire_crime) == 27651


def test_a_planted_link_is_never_written_through(filled, tmp_path, warwickshire_crime):
    """In a shared cache folder, links planted at every name crimestat might write are left alone."""
    warwickshire_total(warwickshire_crime)
    names = [p.name for p in filled.iterdir()]
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for p in list(filled.iterdir()):
        p.unlink()
    for name in names:
        (filled / name).symlink_to(victim)
    assert warwickshire_total(warwickshire_crime) == 27651
    assert victim.read_text() == "precious"


def test_a_full_disk_leaves_no_temporary_file(cache, monkeypatch, warwickshire_crime):
    from crimestat import cache as cache_module

    def full(descriptor, data):
        raise OSError(28, "No space left on device")

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, *args, **kwargs):
            self.stream = real_fdopen(*args, **kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def write(self, data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.os, "fdopen", lambda *a, **k: Full(*a, **k) if "wb" in a else real_fdopen(*a, **k))
    assert warwickshire_total(warwickshire_crime) == 27651
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


def test_a_file_replaced_during_the_load_is_not_stored_under_the_old_key(cache, tmp_path, monkeypatch):
    """The hash and the parse must see the same bytes: when they may not, nothing is stored."""
    from crimestat import cache as cache_module

    crime = tmp_path / "crime.csv"
    shutil.copy(CRIME, crime)

    def load():
        crime.write_bytes(crime.read_bytes() + b"\n")  # replaced while being read
        return "figures"

    assert cache_module.cached("ons-test", crime, load) == "figures"
    assert not list(cache.glob("ons-*.entry"))


def test_a_status_by_period_is_stored_as_two_lists_and_read_back_equal():
    """Lifetimes' statuses (dates to texts, thousands of them) are written in bulk; a damaged one is refused."""
    from datetime import date

    from crimestat.cache import decode, encode

    status = {date(2014, 3, 31): "ok", date(2014, 6, 30): "partial_end", date(2015, 3, 31): "ended"}
    mixed = {date(2014, 3, 31): "ok", "2014-06-30": "ok"}  # not all dates: the general form
    raw = encode({"status": status, "mixed": mixed})
    assert b'"$ds"' in raw
    assert decode(raw) == {"status": status, "mixed": mixed}
    damaged = raw.replace(b'"partial_end"', b'1234567890123')
    with pytest.raises(ValueError):
        decode(damaged)  # the checksum
    from crimestat import cache as module

    body = module._to_json(status, [])
    body["$ds"][1].pop()
    with pytest.raises(ValueError, match="bad date map"):
        module._from_json(body, memoryview(b""))


def test_populations_and_coverage_are_stored_in_bulk_and_read_back_as_they_were():
    """Maps keyed by (area, year) and sets of dates are written as lists; other shapes keep the general form."""
    from datetime import date

    from crimestat import cache as module

    value = {"people": {("E23000017", 2014): 548729, ("E23000001", 2015): 8673713},
             "quarters": {"E23000017": {date(2014, 3, 31), date(2014, 6, 30)}},
             "flags": {("E23000017", 2014): True}, "ragged": {("a", 1): 1, ("b",): 2}, "empty": set()}
    raw = module.encode(value)
    assert b'"$tm"' in raw and b'"$sd"' in raw
    back = module.decode(raw)
    assert back == value and type(back["flags"][("E23000017", 2014)]) is bool
    body = module._to_json(value["people"], [])
    body["$tm"][0].pop()
    with pytest.raises(ValueError, match="bad tuple map"):
        module._from_json(body, memoryview(b""))


def test_an_existing_folder_gets_a_crimestat_folder_and_is_left_as_it_was(tmp_path, monkeypatch, warwickshire_crime):
    """The cache owns only its own folder: a folder the user names keeps its mode and its files, even
    temporary-looking ones a day old."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    mine = [folder / "notes.tmp", folder / ".draft.tmp", folder / "keep.txt"]
    for path in mine:
        path.write_text("the user's")
        os.utime(path, (0, 0))  # older than any stale-temporary limit
    monkeypatch.setenv("CRIMESTAT_CACHE_DIR", str(folder))
    monkeypatch.delenv("CRIMESTAT_NO_CACHE", raising=False)
    assert warwickshire_total(warwickshire_crime) == 27651
    assert folder.stat().st_mode & 0o777 == 0o755
    assert all(path.read_text() == "the user's" for path in mine)
    assert sorted(p.name for p in folder.iterdir()) == sorted([p.name for p in mine] + ["crimestat"])
    assert list((folder / "crimestat").glob("ons-*.entry"))
    assert (folder / "crimestat").stat().st_mode & 0o077 == 0


def test_the_packaged_registry_and_classification_are_read_once_per_process_while_unchanged(tmp_path):
    """crimestat.load reads the packaged forces and classification files for every dataset: a process that
    loads many keeps what it read, and reads a file again once it has changed (here a stand-in file, replaced
    by a copy with the same bytes and modification time: another file all the same)."""
    from crimestat import sources
    from crimestat.loaders.classification import load_classification
    from crimestat.loaders.forces import load_forces
    from crimestat.runtime.kept import kept_load

    assert load_forces() is load_forces()
    known = tuple(sources.keys())
    assert load_classification(known_sources=known) is load_classification(known_sources=known)
    assert load_classification(known_sources=known) is not load_classification()  # the sources are part of the key
    table = tmp_path / "table.csv"
    table.write_text("code\nE23000017\n", encoding="utf-8")
    reads = []

    def load():
        reads.append(1)
        return table.read_text(encoding="utf-8")

    assert kept_load("test", (table,), load) == kept_load("test", (table,), load) == "code\nE23000017\n"
    assert len(reads) == 1
    before = os.stat(table)
    shutil.copyfile(table, tmp_path / "copy")
    os.utime(tmp_path / "copy", ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(tmp_path / "copy", table)
    assert kept_load("test", (table,), load) == "code\nE23000017\n"
    assert len(reads) == 2
    table.unlink()
    with pytest.raises(FileNotFoundError):  # a file that has gone is the loader's to report
        kept_load("test", (table,), load)
