"""`ingest police-uk` never drops data with exit 0: every file given is counted or is an error.

Each test here failed on the ingest before these fixes (checked by running it against that code).
Inputs are built in tmp_path from the shipped street files, so each case is one small named change.
"""

import codecs
import gzip
import os
import shutil
import signal
import tracemalloc
import zipfile

import pytest

from conftest import DATA
from crimestat.errors import DataFileError
from crimestat.sources.police_uk import counts as police_uk_counts
from crimestat.sources.police_uk import files as police_uk_files
from crimestat.loaders.forces import load_forces
from crimestat.sources.police_uk.parser import count_archive, count_file

STREET = DATA / "police-uk/2014-06/2014-06-warwickshire-street.csv"  # 40 rows
NAME = "2014-06-warwickshire-street.csv"


@pytest.fixture(scope="module")
def registry():
    return load_forces()


def lines() -> list[str]:
    return STREET.read_text(encoding="utf-8").splitlines(keepends=True)


def write(folder, text: str | bytes, name: str = NAME):
    path = folder / "2014-06" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def total(counts) -> int:
    return sum(counts.counts.values())


def test_a_zip_inside_an_archive_is_an_error(tmp_path, registry):
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.write(STREET, f"2014-06/{NAME}")
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(STREET, f"2014-05/{NAME.replace('06', '05')}")
        archive.write(inner, "more/inner.zip")
    with pytest.raises(DataFileError, match="is a zip archive inside a zip archive"):
        count_archive([str(outer)], registry, workers=1)


def test_a_dangling_symlink_in_a_folder_is_an_error(tmp_path, registry):
    write(tmp_path, STREET.read_text())
    link = tmp_path / "2014-07" / "2014-07-warwickshire-street.csv"
    link.parent.mkdir()
    link.symlink_to(tmp_path / "gone.csv")
    with pytest.raises(DataFileError, match="symbolic link to nothing") as raised:
        count_archive([str(tmp_path)], registry, workers=1)
    assert str(link) in str(raised.value)


def test_a_folder_that_cannot_be_listed_is_an_error(tmp_path, registry, monkeypatch):
    # Tests run as root, which can list any folder: make listing this one fail as it would for a user.
    write(tmp_path, STREET.read_text())
    locked = tmp_path / "2014-07"
    locked.mkdir()
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(DataFileError, match="is a folder that cannot be listed") as raised:
        count_archive([str(tmp_path)], registry, workers=1)
    assert str(locked) in str(raised.value)


def test_a_quoted_field_with_a_newline_is_one_row_counted(tmp_path, registry):
    rows = lines()
    rows[2] = rows[2].replace("On or near ", '"On or near\n', 1).replace(",E0", '",E0', 1)
    assert rows[2].count("\n") == 2
    counted = count_file(str(write(tmp_path, "".join(rows))), registry)
    assert (counted.rows_read, total(counted), dict(counted.skipped)) == (40, 40, {})


def test_an_unclosed_quote_skips_its_line_only(tmp_path, registry):
    rows = lines()
    rows[5] = rows[5].replace("On or near", '"On or near')
    counted = count_file(str(write(tmp_path, "".join(rows))), registry)
    assert (counted.rows_read, total(counted)) == (40, 39)
    assert counted.examples["wrong number of fields or broken quoting"] == [f"{tmp_path / '2014-06' / NAME}, line 6"]


def test_a_huge_member_without_newlines_is_a_short_error_in_bounded_memory(tmp_path, registry):
    """40 MB with no newline (a 1 GB one behaves the same: the benchmark checks that)."""
    archive = tmp_path / "huge.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"2014-06/{NAME}", b"x" * (40 << 20))
    tracemalloc.start()
    try:
        with pytest.raises(DataFileError) as raised:
            count_archive([str(archive)], registry, workers=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(raised.value)
    assert message == (f"{archive}:2014-06/{NAME}, line 1: longer than 1,048,576 bytes with no newline, so not a "
                       f"street-level row (it starts '{'x' * 40}...')")
    assert peak < 16 << 20


def test_a_long_value_is_quoted_short(tmp_path, registry):
    rows = lines()
    rows[3] = rows[3].replace("Anti-social behaviour", "Crime " * 5000)
    counted = count_file(str(write(tmp_path, "".join(rows))), registry)
    [example] = counted.examples["unknown crime type"]
    assert len(example) < len(str(tmp_path)) + 120 and example.endswith("...)")


def test_a_file_error_with_several_workers_is_one_readable_line(run, tmp_path):
    write(tmp_path, STREET.read_text())
    write(tmp_path, b"not gzip data", "2014-06-kent-street.csv.gz")
    result = run("ingest", "police-uk", tmp_path, "--workers", "2")
    assert result.exit_code == 1
    assert result.stderr == (f"crimestat: error: {tmp_path}/2014-06/2014-06-kent-street.csv.gz: cannot be read "
                             "(Not a gzipped file (b'no'))\n")


def test_a_killed_worker_is_one_clear_error(run, tmp_path, monkeypatch):
    for month in ("2014-06", "2014-07"):
        write(tmp_path, STREET.read_text().replace("2014-06", month), f"{month}-warwickshire-street.csv")
    parent = os.getpid()

    def killed(file, registry):
        if os.getpid() != parent:  # in a worker: die as the out-of-memory killer would make it
            os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("counted in the parent")

    monkeypatch.setattr(police_uk_counts, "count_file", killed)
    result = run("ingest", "police-uk", tmp_path, "--workers", "2")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"crimestat: error: {tmp_path}/2014-06/2014-06-warwickshire-street.csv: a worker "
                                    "process stopped while counting this file")


@pytest.mark.parametrize("month", ["2014-13", "2014-6", "June 2014", "2014-06-01"])
def test_a_month_that_is_not_yyyy_mm_is_an_error_naming_file_and_line(run, tmp_path, month):
    rows = lines()
    rows[7] = rows[7].replace(",2014-06,", f",{month},", 1)
    renamed = tmp_path / "june.csv"  # no month in the name, so nothing else would catch it
    renamed.write_text("".join(rows))
    result = run("ingest", "police-uk", renamed)
    assert result.exit_code == 1
    assert result.stderr == (f"crimestat: error: {renamed}, line 8, column 'Month': '{month}' is not a month; "
                             "expected YYYY-MM (month 01 to 12)\n")


def test_an_impossible_month_in_a_named_file_is_an_error_too(tmp_path, registry):
    rows = lines()
    rows[7] = rows[7].replace(",2014-06,", ",2014-13,", 1)
    with pytest.raises(DataFileError, match="line 8, column 'Month': '2014-13' is not a month"):
        count_archive([str(write(tmp_path, "".join(rows)))], registry, workers=1)


@pytest.mark.parametrize("cut", [1, 40])
def test_a_truncated_file_is_an_error_naming_it(run, tmp_path, cut):
    """No final newline: cut mid-row (40 characters short), or only the newline missing (1)."""
    text = STREET.read_text()
    path = write(tmp_path, text[: len(text) - cut])
    result = run("ingest", "police-uk", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"crimestat: error: {path}, line 41: the file ends without a newline, so it may "
                                    "be cut short")


def test_gzip_is_read_by_its_bytes_whatever_the_name(run, tmp_path):
    expected = run("ingest", "police-uk", STREET, "-q").stdout
    path = write(tmp_path, gzip.compress(STREET.read_bytes()))  # named .csv, holding gzip
    result = run("ingest", "police-uk", path, "-q")
    assert (result.exit_code, result.stdout) == (0, expected)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_is_recognised_by_its_byte_order_mark(run, tmp_path, codec):
    expected = run("ingest", "police-uk", STREET, "-q").stdout
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    path = write(tmp_path, bom + STREET.read_text().encode(codec))
    result = run("ingest", "police-uk", path, "-q")
    assert (result.exit_code, result.stdout) == (0, expected)


def test_a_path_given_with_no_street_files_is_an_error(tmp_path, registry):
    write(tmp_path / "good", STREET.read_text())
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("nothing")
    with pytest.raises(DataFileError, match="no street-level files") as raised:
        count_archive([str(tmp_path / "good"), str(empty)], registry, workers=1)
    assert str(raised.value).startswith(str(empty))


def test_large_files_stream_through_several_blocks(tmp_path, registry, monkeypatch):
    """Blocks end at newlines; a file spanning many blocks counts as one read whole."""
    monkeypatch.setattr(police_uk_files, "BLOCK", 1000)
    rows = lines()
    rows[20] = rows[20].replace("On or near", '"On or near\n')  # a quoted newline across a block edge
    rows[20] = rows[20].replace(",E0", '",E0', 1)
    counted = count_file(str(write(tmp_path, "".join(rows[:1] + rows[1:] * 30))), registry)
    assert (counted.rows_read, total(counted), dict(counted.skipped)) == (1200, 1200, {})
    shutil.rmtree(tmp_path / "2014-06")


def test_outcomes_and_stop_and_search_files_are_left_out_and_said_so(run, tmp_path):
    write(tmp_path, STREET.read_text())
    write(tmp_path, "Crime ID,Month\n", "2014-06-warwickshire-outcomes.csv")
    result = run("ingest", "police-uk", tmp_path)
    assert result.exit_code == 0
    assert (f"crimestat: left out 1 outcomes and stop-and-search file (not street-level crime), e.g. "
            f"{tmp_path}/2014-06/2014-06-warwickshire-outcomes.csv") in result.stderr.splitlines()
