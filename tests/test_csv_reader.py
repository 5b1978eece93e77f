"""The shared CSV reader: every loader's problems are reported the same way."""

import io

import pytest

from crimestat.errors import BadValueError, DataFileError, MissingColumnError, MissingFileError
from crimestat.loaders._csv import parse_numbers, read_csv


def table(text: str, required=("a", "b")):
    return read_csv(io.StringIO(text), list(required))


def test_reads_rows_with_their_line_numbers_skipping_blank_lines():
    t = table("a,b\n1,2\n\n3,4\n")
    assert t.rows == [["1", "2"], ["3", "4"]]
    assert t.lines == [2, 4]


def test_byte_order_mark_is_ignored():
    t = read_csv(io.BytesIO("\ufeffa,b\n1,2\n".encode("utf-8")), ["a", "b"])
    assert t.header == ["a", "b"]


def test_latin1_is_read_with_a_warning(caplog):
    t = read_csv(io.BytesIO("a,b\nYnys M\xf4n,2\n".encode("latin-1")), ["a", "b"])
    assert t.rows[0][0] == "Ynys Môn"
    assert "not UTF-8 (byte 0xf4 on line 2); read as Windows-1252" in caplog.text


def test_missing_file(tmp_path):
    with pytest.raises(MissingFileError) as err:
        read_csv(tmp_path / "nope.csv", ["a"])
    assert str(err.value) == f"{tmp_path / 'nope.csv'}: file not found"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "<stream>: file is empty; expected a header line with the columns 'a', 'b'"),
        ("a,b\n", "<stream>, line 1: has a header but no data rows"),
        ("a;b\n1;2\n", "<stream>, line 1: columns are separated by semicolons; expected commas"),
        ("a,a,b\n1,2,3\n", "<stream>, line 1: column 'a' appears twice in the header"),
        ("a,c\n1,2\n", "<stream>, line 1: missing column 'b'; the header has 'a', 'c'"),
        ("a,bb\n1,2\n", "<stream>, line 1: missing column 'b' (is 'bb' meant to be it?); the header has 'a', 'bb'"),
        ("x,y\n1,2\n", "<stream>, line 1: missing columns 'a', 'b'; the header has 'x', 'y'"),
    ],
)
def test_file_level_problems(text, message):
    with pytest.raises(DataFileError) as err:
        t = table(text)
        t.raise_problems()
    assert str(err.value) == message


def test_missing_column_is_its_own_error():
    with pytest.raises(MissingColumnError):
        table("a,c\n1,2\n")


def test_short_row_and_broken_quoting_are_reported_with_lines():
    t = table('a,b\n1,2\n3\n"4,5\n')
    messages = [str(p) for p in t.problems]
    assert messages == [
        "<stream>, line 3: expected 2 fields, found 1",
        "<stream>, line 4: broken quoting (unexpected end of data); expected a well-formed CSV row",
    ]


@pytest.mark.parametrize(
    "cell, expected",
    [("12", 12), ("1,234", 1234), (" 7 ", 7), ("0", 0)],
)
def test_numbers_accepted(cell, expected):
    t = table(f'a,b\nx,"{cell}"\n')
    assert parse_numbers(t, "b") == [expected]
    assert t.problems == []


@pytest.mark.parametrize(
    "cell, message",
    [
        ("", "empty value; expected a whole number of 0 or more"),
        ("..", "'..' is a suppression or footnote marker; expected a whole number of 0 or more"),
        ("[x]", "'[x]' is a suppression or footnote marker; expected a whole number of 0 or more"),
        ("*", "'*' is a suppression or footnote marker; expected a whole number of 0 or more"),
        ("five", "'five' is not a number; expected a whole number of 0 or more"),
        ("2.5", "'2.5' is not a whole number; expected a whole number of 0 or more"),
        ("-3", "'-3' is negative; expected a whole number of 0 or more"),
        ("1e20", "'1e20' is in scientific notation, which may have been rounded; expected a whole number of 0 or "
                 "more, written in full"),
        ("99999999999999999", "'99999999999999999' is too large to be real; expected a whole number of 0 or more"),
        ("nan", "'nan' is not a number; expected a whole number of 0 or more"),
    ],
)
def test_numbers_refused_with_reason(cell, message):
    t = table(f'a,b\nx,"{cell}"\n')
    assert parse_numbers(t, "b") == [None]
    with pytest.raises(BadValueError) as err:
        t.raise_problems()
    assert str(err.value) == f"<stream>, line 2, column 'b': {message}"


def test_all_problems_of_a_file_are_reported_together():
    t = table("a,b\nx,1\ny,two\nz,-1\n")
    parse_numbers(t, "b")
    with pytest.raises(BadValueError) as err:
        t.raise_problems()
    assert str(err.value).splitlines() == [
        "<stream>, line 3, column 'b': 'two' is not a number; expected a whole number of 0 or more",
        "<stream>, line 4, column 'b': '-1' is negative; expected a whole number of 0 or more",
    ]


# --- plainly shaped text is split without the csv module, with the same result ------------------------------

def outcome(text, careful=False, required=("a",)):
    """``csv_table``'s result (header, rows, lines, problems) or error for a text, by the plain split or (``careful``)
    by the csv module alone."""
    from crimestat.loaders import _csv

    with pytest.MonkeyPatch.context() as patch:
        if careful:
            patch.setattr(_csv, "_plain_lines", lambda text: None)
        try:
            table = _csv.csv_table(text, "x", required)
            return table.header, table.rows, table.lines, table.problems
        except DataFileError as exc:
            return type(exc).__name__, str(exc)


@pytest.mark.parametrize("text", [
    "a,b\n1,2\n3,4\n", "a,b\r\n1,2\r\n3,4\r\n", "a,b\r\n1,2\n3,4\r\n", "a,b\n1,2\r3,4\n", "a,b\n1,2",
    "a,b\n1,2\n\n", "\n\n a , b \n1,2\n", "a,b\n1,2\n ,\u3000\n3,4\n", "a,b\n1,2,3\n", "a,b\n1\n",
    "a,b\n\t, \n", 'a,b\n"1,5",2\n', "a,b\nx\u2028y,1\nz\x85,2\n\x0c,3\n\x1c\x1d\x1e,4\n\u2029,5\n",
    "a,b\n1,\x00\n", "a,a\n1,2\n", "b,c\n1,2\n", "a;b\n1;2\n", "a,b\n" + "x" * 200_000 + ",1\n",
    "a,b\n1,2\n,\n3,4\n", "a,b\n\ufeff1,2\n", " a ,b\n1,2\n1,2\n", "a,b\r,c\n1,2\n", "a,b\n1,2\r\r\n3,4\n",
    "a,b\n1,2\r5,6\r\n", "a,b\r\n1,2\r\n\r\n3,4\r\n",
])
def test_plain_split_reads_what_the_csv_module_reads(text):
    assert outcome(text) == outcome(text, careful=True)
    assert_coded_columns_agree(text)


def assert_coded_columns_agree(text, required=("a",)):
    """Columns read by Arrow (when it reads them) are the csv module's cells and lines, in a file without problems."""
    from crimestat.loaders._coded import coded_columns

    careful = outcome(text, careful=True, required=required)
    try:
        coded = coded_columns(text, "x", required)
    except DataFileError as exc:
        assert careful == (type(exc).__name__, str(exc))  # a header error, as read_csv raises it
        return
    if coded is None:
        return
    header, rows, lines, problems = careful
    assert not problems and coded.header == header and list(coded.lines) == lines
    for column in required:
        i = header.index(column)
        assert [coded.values[column][k] for k in coded.codes[column]] == [row[i] for row in rows]


def test_blank_characters_are_those_str_strip_takes():
    import sys

    from crimestat.loaders._csv import _BLANK

    assert _BLANK == "," + "".join(filter(str.isspace, map(chr, range(sys.maxunicode + 1))))
