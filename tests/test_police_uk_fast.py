"""The police.uk reader's fast path (whole blocks counted with numpy) gives exactly what its careful path
(line by line with the csv module) gives, on the shipped street files and on edge cases.

Each test counts the same bytes twice, once as ``ingest`` does and once with the fast path turned off, and
compares everything a count holds: counts, rows read, skipped rows with their reasons and examples, and
problems. Each also checks that the fast path did count something, so that no comparison is vacuous.
"""

import codecs

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, SAMPLE
from crimestat.errors import DataFileError
from crimestat.sources.police_uk import counts as police_uk_counts
from crimestat.sources.police_uk import fast as police_uk_fast
from crimestat.sources.police_uk import files as police_uk_files
from crimestat.loaders.forces import load_forces
from crimestat.sources.police_uk.parser import StreetFile, count_bytes, count_chunks

REGISTRY = load_forces()
STREET = DATA / "police-uk/2014-06/2014-06-warwickshire-street.csv"
NAMED = StreetFile("2014-06/2014-06-warwickshire-street.csv", "2014-06/2014-06-warwickshire-street.csv",
                   month="2014-06", force_id="warwickshire")
RENAMED = StreetFile("june.csv", "june.csv")  # no month or force in the name: both come from the rows
HEADER, *ROWS = STREET.read_text(encoding="utf-8").splitlines()


def summary(counts):
    return (dict(counts.counts), counts.rows_read, dict(counts.skipped), counts.examples,
            [(p.source, p.message, p.line, p.column) for p in counts.problems])


def both(data: bytes, file: StreetFile = NAMED, fast_needed: bool = True):
    """The counts of ``data`` with the fast path (checked to have counted some block) and without it."""
    fast_blocks = []
    count = police_uk_fast._FastBlocks.count

    def spy(self, *args):
        found = count(self, *args)
        fast_blocks.append(found is not None)
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(police_uk_fast._FastBlocks, "count", spy)
        fast = count_bytes(data, file, REGISTRY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(police_uk_fast._FastBlocks, "count", lambda self, *args: None)
        careful = count_bytes(data, file, REGISTRY)
    assert not fast_needed or any(fast_blocks), "the fast path counted nothing"
    return summary(fast), summary(careful)


def text(rows: list[str], header: str = HEADER, newline: str = "\n") -> bytes:
    return (newline.join([header, *rows]) + newline).encode("utf-8")


def cells(row: str) -> list[str]:
    return row.split(",")


def with_cell(row: str, index: int, value: str) -> str:
    parts = cells(row)
    parts[index] = value
    return ",".join(parts)


@pytest.mark.parametrize("path", sorted((SAMPLE / "police-uk").rglob("*-street.csv")), ids=lambda p: p.name)
def test_every_shipped_file_counts_the_same_both_ways(path):
    month, force = path.name[:7], path.name[8:-len("-street.csv")]
    fast, careful = both(path.read_bytes(), StreetFile(path.name, str(path), month=month, force_id=force))
    assert fast == careful and fast[1] > 3000


def test_the_malformed_file_counts_the_same_both_ways():
    data = (DATA / "police-uk/malformed/2014-06/2014-06-warwickshire-street.csv").read_bytes()
    fast, careful = both(data, fast_needed=False)  # its one block holds a quote: the careful path reads it
    assert fast == careful and fast[1] == 40


def test_fields_at_every_byte_alignment():
    """Crime IDs of 0 to 20 characters move every later field through all eight positions in a word."""
    rows = [with_cell(row, 0, "x" * (i % 21)) for i, row in enumerate(ROWS * 3)]
    fast, careful = both(text(rows))
    assert fast == careful and sum(fast[0].values()) == 120


def test_months_and_forces_from_the_rows_of_a_renamed_file():
    """No month or force in the name: rows of two months and three forces are all counted, by each."""
    labels = ["Warwickshire Police", "West Mercia Police", "Kent Police"]
    rows = [with_cell(with_cell(with_cell(row, 1, "2014-0" + str(5 + i % 2)), 2, labels[i % 3]), 3, labels[i % 3])
            for i, row in enumerate(ROWS)]
    fast, careful = both(text(rows), RENAMED)
    assert fast == careful
    assert {(code, month) for code, month, _ in fast[0]} == {(f.code, m) for f in map(REGISTRY.find, labels)
                                                             for m in ("2014-05", "2014-06")}


def test_reported_by_another_force_than_falls_within():
    """'Reported by' differs in some rows (British Transport Police, say): month and force checked one by one."""
    rows = [with_cell(row, 2, "British Transport Police") if i % 4 == 0 else row for i, row in enumerate(ROWS)]
    fast, careful = both(text(rows))
    assert fast == careful and sum(fast[0].values()) == 40


@pytest.mark.parametrize("index, value, reason", [
    (1, "2014-05", "month differs from the file name's"),
    (1, "", "missing month"),
    (3, "West Mercia Police", "force differs from the file name's"),
    (9, "Jaywalking", "unknown crime type"),
    (9, "", "unknown crime type"),
    (9, "Crime " * 20, "unknown crime type"),  # longer than the fast path's 64 bytes
])
def test_a_row_that_cannot_be_counted_is_skipped_the_same_way(index, value, reason):
    rows = list(ROWS) * 3
    rows[50] = with_cell(rows[50], index, value)
    fast, careful = both(text(rows), fast_needed=False)
    assert fast == careful and fast[2] == {reason: 1}


@pytest.mark.parametrize("change", ["extra comma", "missing comma", "blank line"])
def test_wrong_numbers_of_fields_and_blank_lines(change):
    rows = list(ROWS) * 3
    rows[70] = {"extra comma": rows[70] + ",", "missing comma": rows[70].rsplit(",", 1)[0], "blank line": ""}[change]
    fast, careful = both(text(rows), fast_needed=False)
    assert fast == careful


def test_values_that_share_a_hash_bucket_are_still_told_apart(monkeypatch):
    """With two buckets every crime type collides: the rows are grouped by sorting instead."""
    monkeypatch.setattr(police_uk_fast, "_BUCKET_BITS", 1)
    fast, careful = both(STREET.read_bytes())
    assert fast == careful and len(fast[0]) > 2


def test_columns_in_another_order():
    """Month first, crime type last: the first column's fields start at the row, the last's end at the newline."""
    order = [1, 0, 2, 3, 4, 5, 6, 7, 8, 10, 11, 9]
    reorder = ",".join
    rows = [reorder([cells(row)[i] for i in order]) for row in ROWS]
    fast, careful = both(text(rows, reorder([cells(HEADER)[i] for i in order])))
    assert fast == careful and sum(fast[0].values()) == 40


def test_windows_line_endings_and_text_that_is_not_ascii():
    rows = [with_cell(row, 9, "Vol à l'étalage") if i % 5 == 0 else row for i, row in enumerate(ROWS)]
    rows[3] = with_cell(rows[3], 9, "Burglary@")
    data = text(rows, newline="\r\n").replace(b"@", b"\xff")  # not UTF-8: read with a replacement character
    fast, careful = both(data, fast_needed=False)
    assert fast == careful and fast[2]["unknown crime type"] == 9


def test_many_small_blocks_and_chunks_of_any_size(monkeypatch):
    """Rows cut at every place by blocks and by the chunks they are given in: the same counts."""
    data = text(list(ROWS) * 10)
    whole = summary(count_bytes(data, NAMED, REGISTRY))
    monkeypatch.setattr(police_uk_files, "BLOCK", 700)
    assert summary(count_bytes(data, NAMED, REGISTRY)) == whole
    for size in (1, 7, 8, 9, 1000):
        chunks = [data[i:i + size] for i in range(0, len(data), size)]
        assert summary(count_chunks(chunks, NAMED, REGISTRY)) == whole


def test_byte_order_marks_are_dropped_or_transcoded():
    data = text(list(ROWS))
    whole = summary(count_bytes(data, NAMED, REGISTRY))
    assert summary(count_bytes(codecs.BOM_UTF8 + data, NAMED, REGISTRY)) == whole
    assert summary(count_bytes(codecs.BOM_UTF16_LE + data.decode().encode("utf-16-le"), NAMED, REGISTRY)) == whole


def test_a_long_line_after_some_rows_names_its_own_line(monkeypatch):
    monkeypatch.setattr(police_uk_files, "MAX_LINE", 5000)
    monkeypatch.setattr(police_uk_files, "BLOCK", 1000)
    data = text(list(ROWS)) + b"y" * 20000
    with pytest.raises(DataFileError, match=r"line 42: longer than 5,000 bytes with no newline"):
        count_bytes(data, NAMED, REGISTRY)


@pytest.mark.parametrize("before", [0, 3, 40])
@pytest.mark.parametrize("block", [1000, 5000, 12000])
def test_a_line_just_over_the_limit_is_an_error_wherever_it_lies_in_a_block(monkeypatch, before, block):
    """A hostile test found a 2 MB line inside one 1 MiB block skipped as a bad row (exit 0) where one spanning
    two reads was an error: every line over MAX_LINE is now an error naming its line, one at the limit is a row."""
    monkeypatch.setattr(police_uk_files, "MAX_LINE", 5000)
    monkeypatch.setattr(police_uk_files, "BLOCK", block)
    rows = list(ROWS)
    over = text(rows[:before] + ["y" * 5001] + rows[before:])
    with pytest.raises(DataFileError, match=rf"line {before + 2}: longer than 5,000 bytes with no newline"):
        count_bytes(over, NAMED, REGISTRY)
    at_limit = summary(count_bytes(text(rows[:before] + ["y" * 5000] + rows[before:]), NAMED, REGISTRY))
    assert at_limit == summary(count_bytes(text(rows[:before] + ["y"] + rows[before:]), NAMED, REGISTRY))


ROW = st.tuples(
    st.integers(0, len(ROWS) - 1),
    st.sampled_from(["", "x" * 64, "abc"]),  # crime ID
    st.sampled_from(["2014-06", "2014-06", "2014-05", ""]),  # month
    st.sampled_from(["Warwickshire Police", "Warwickshire Police", "West Mercia Police", "Nowhere Police", ""]),
    st.sampled_from(["", "Burglary", "Drugs", "Jaywalking", "Violence and sexual offences", "Anti-social behaviour"]),
    st.sampled_from(["", "", "", ",", "\r", ",,"]),  # something after the last field
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=60), st.booleans(), st.integers(200, 3000))
def test_fast_and_careful_paths_agree_on_made_up_rows(rows, named, block):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(police_uk_files, "BLOCK", block)
        made = []
        for source, crime_id, month, force, crime, tail in rows:
            row = cells(ROWS[source])
            row[0], row[1], row[3] = crime_id, month, force
            if crime:
                row[9] = crime
            made.append(",".join(row) + tail)
        fast, careful = both(text(made), NAMED if named else RENAMED, fast_needed=False)
        assert fast == careful


def test_keeping_freed_memory_is_harmless_where_it_applies_and_where_it_does_not(monkeypatch):
    police_uk_counts._keep_freed_memory()  # glibc's mallopt on this machine
    import ctypes

    monkeypatch.setattr(ctypes, "CDLL", lambda name: (_ for _ in ()).throw(OSError("no C library")))
    police_uk_counts._keep_freed_memory()  # elsewhere: nothing happens, nothing fails
