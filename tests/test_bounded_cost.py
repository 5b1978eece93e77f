"""Bounded cost for any input: no small file may take gigabytes of memory, minutes of time or a walk without
end, and an archive crimestat cannot open is one clear error, never a traceback."""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import zipfile

import pytest

from conftest import SAMPLE
from crimestat.errors import DataFileError
from crimestat.sources.police_uk.parser import count_archive, find_files

HOME_OFFICE = SAMPLE / "releases" / "home-office-2026-04" / "prc-pfa-mar2013-onwards-tables-230426.csv.gz"
STREET = SAMPLE / "police-uk" / "2014-01" / "2014-01-warwickshire-street.csv"


def test_a_small_gzip_that_unpacks_to_hundreds_of_megabytes_is_refused(run, tmp_path):
    # The first real rows of the Home Office table, then 70 million newlines: about 70 KB packed.
    with gzip.open(HOME_OFFICE, "rb") as published:
        lines = [published.readline() for _ in range(20)]
    bomb = tmp_path / "tables.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as out:
        out.write(b"".join(lines))
        for _ in range(70):
            out.write(b"\n" * 1_000_000)
    assert bomb.stat().st_size < 1_000_000
    result = run("compare", "--force", "kent", "--crime", bomb, "-q")
    assert result.exit_code == 1
    assert "unpacks to more than 64 MB" in result.stderr


def test_a_workbook_with_a_stray_far_cell_is_refused_before_it_is_read(run, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    # The published layout's header over one real row (Home Office tables, 2013/14), and a stray far cell.
    with gzip.open(HOME_OFFICE, "rt", encoding="utf-8") as published:
        header, row = published.readline().rstrip("\n").split(","), published.readline().rstrip("\n").split(",")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2013_14"
    sheet.append(header)
    sheet.append(row)
    sheet["XFD1048576"] = "x"
    path = tmp_path / "far.xlsx"
    book.save(path)
    result = run("compare", "--force", "kent", "--crime", path, "-q")
    assert result.exit_code == 1
    assert "sheet 2013_14 reaches row 1,048,576 and column 16,384" in result.stderr


def _ods(path, table):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
                   'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        z.writestr("content.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                   'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                   'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
                   f'<table:table table:name="2013_14">{table}</table:table></office:spreadsheet></office:body>'
                   '</office:document-content>')


def test_an_ods_of_repeated_cells_is_measured_with_its_repeats(run, tmp_path):
    filled = ('<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
              'table:number-columns-repeated="100" office:value-type="float" office:value="1"><text:p>1</text:p>'
              '</table:table-cell></table:table-row>')
    path = tmp_path / "repeated.ods"
    _ods(path, filled)
    assert path.stat().st_size < 5000
    result = run("compare", "--force", "kent", "--crime", path, "-q")
    assert result.exit_code == 1
    assert "reaches row 1,000,000 and column 100" in result.stderr
    # Empty repeated cells (spreadsheet padding) cost the reader nothing and are not counted.
    from crimestat.loaders.workbook_size import check_workbook_size

    _ods(path, '<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
               'table:number-columns-repeated="1000"/></table:table-row>')
    check_workbook_size(str(path))


def test_blank_lines_in_an_archive_cost_what_reading_them_costs(registry, tmp_path):
    # 10 million blank lines between real rows: counted as the five rows they surround. (Not timed: the
    # old line-by-line path took minutes; this one finishes inside the suite's usual seconds.)
    lines = STREET.read_bytes().splitlines(True)
    archive = tmp_path / "blank.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("2014-01-warwickshire-street.csv", b"".join(lines[:3]) + b"\n" * 10_000_000 + b"".join(lines[3:6]))
    counted = count_archive([str(archive)], registry)
    assert counted.rows_read == 5 and sum(counted.counts.values()) == 5


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links are not available")
def test_links_around_a_tree_are_walked_once_and_links_out_refused(tmp_path):
    tree = tmp_path / "tree"
    (tree / "2014-01").mkdir(parents=True)
    shutil.copy(STREET, tree / "2014-01" / STREET.name)
    for name in ("a", "b"):
        (tree / "2014-01" / name).symlink_to(tree)  # two links to the top: 2^depth paths if followed
    (tree / "again").symlink_to(tree / "2014-01")
    assert [f.name for f in find_files([str(tree)])] == [str(tree / "2014-01" / STREET.name)]
    (tree / "out").symlink_to(tmp_path)
    with pytest.raises(DataFileError, match="symbolic link to a folder outside"):
        find_files([str(tree)])


def test_file_names_are_matched_without_regard_to_case(tmp_path, registry):
    folder = tmp_path / "2014-01"
    folder.mkdir()
    shutil.copy(STREET, folder / "2014-01-warwickshire-street.CSV")
    found = find_files([str(tmp_path)])
    assert len(found) == 1 and found[0].force_id == "warwickshire"
    assert sum(count_archive([str(tmp_path)], registry).counts.values()) > 0


def _patched_zip(path, *, flag: int = 0, method: int | None = None):
    """A one-member zip with its general-purpose flag (0x1: encrypted) or compression method (9: Deflate64)
    set in both headers, as another program would write it."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("2014-01-warwickshire-street.csv", STREET.read_bytes()[:2000])
    data = bytearray(path.read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    for start, flag_at, method_at in ((local, 6, 8), (central, 8, 10)):
        struct.pack_into("<H", data, start + flag_at, struct.unpack_from("<H", data, start + flag_at)[0] | flag)
        if method is not None:
            struct.pack_into("<H", data, start + method_at, method)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("kind", ["encrypted", "deflate64"])
def test_archives_crimestat_cannot_open_are_one_clear_error(run, tmp_path, kind):
    archive = tmp_path / f"{kind}.zip"
    _patched_zip(archive, **({"flag": 1} if kind == "encrypted" else {"method": 9}))
    result = run("ingest", "police-uk", archive, "--output", tmp_path / "out.csv")
    assert result.exit_code == 1
    assert ("encrypted" if kind == "encrypted" else "compression") in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.splitlines()) <= 3


@pytest.fixture
def registry():
    from crimestat.loaders.forces import load_forces

    return load_forces()


def test_a_table_with_too_many_lines_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    # The line limit is 50 million (the largest published table has about a million); lowered here so a small
    # file exercises it, plain and gzip-compressed, with one message naming the file.
    import gzip as gzip_module

    from crimestat.errors import DataFileError
    from crimestat.loaders import _csv
    from crimestat.loaders.forces import load_forces
    from crimestat.sources.ons.parser import load_ons_crime

    monkeypatch.setattr(_csv, "MAX_LINES", 10)
    text = "a,b\n" + "\n" * 30
    plain = tmp_path / "blank.csv"
    plain.write_text(text)
    packed = tmp_path / "blank.csv.gz"
    packed.write_bytes(gzip_module.compress(text.encode()))
    for path in (plain, packed):
        with pytest.raises(DataFileError, match="has more than 10 lines: not a table crimestat reads"):
            load_ons_crime(str(path), load_forces())
