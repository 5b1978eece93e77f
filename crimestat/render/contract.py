"""The pipeline contract: CSV and JSON with unrounded numbers, written as numbers (no repr noise), one unit
per column, empty (CSV) or null (JSON) for missing, formula-like text defused."""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from typing import Any

from ..results import INTEGER_COLUMNS, Result

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain(value: Any) -> Any:
    """A value as CSV/JSON carry it: ISO dates, full-precision floats, None for missing."""
    if value is None:
        return None
    if type(value) is date:
        return value.isoformat()
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    return value


#: Significant digits kept of a float: more than any count or rate needs, fewer than repr's 17 (which
#: shows binary noise: 83.89999999999999).
SIGNIFICANT = 12


#: p-values are written to this many decimal places in plain notation: 0.000000000180, never 1.8e-10,
#: and a p-value below 5e-13 (including one that underflowed to 0) is written 0.0.
P_DECIMALS = 12


P_VALUE_COLUMNS = frozenset({"p_value", "p_value_poisson"})




def contract_value(column: str, value: Any, record: dict[str, Any] | None = None) -> Any:
    """A value as the CSV/JSON contract carries it: ``None`` for missing (also for ""), ISO date text, an
    int for whole numbers in integer columns (and a rank row's ``value``), a float rounded to
    ``SIGNIFICANT`` digits (p-values to ``P_DECIMALS`` places), or text."""
    value = plain(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    whole = column in INTEGER_COLUMNS or (column == "value" and record is not None and record.get("unit") == "rank")
    if isinstance(value, int):
        return value
    if whole and value.is_integer():
        return int(value)
    if column in P_VALUE_COLUMNS:
        return round(value, P_DECIMALS) + 0.0  # + 0.0: never -0.0
    return float(f"{value:.{SIGNIFICANT}g}") + 0.0


def number_text(column: str, value: float | int) -> str:
    """A contract number as CSV text: integers as digits, floats in plain notation with a decimal point
    (so a column of floats reads as floats even where every value is whole)."""
    if isinstance(value, int):
        return str(value)
    if column in P_VALUE_COLUMNS:
        text = f"{value:.{P_DECIMALS}f}".rstrip("0")
    else:
        from decimal import Decimal

        text = format(Decimal(repr(value)), "f")
        if "." in text:
            text = text.rstrip("0")
    if text.endswith("."):
        text += "0"
    elif "." not in text:
        text += ".0"
    return text


def safe_text(text: str) -> str:
    """Neutralise text that a spreadsheet would run as a formula (OWASP CSV injection advice)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(column: str, value: Any, record: dict[str, Any] | None = None) -> str:
    if value is None:
        return ""
    if type(value) is str:  # most cells: labels, codes, notes (what contract_value would return as they are)
        return safe_text(value)
    if type(value) is int:  # counts (ingest writes 17,000 rows of them): digits, as number_text writes them
        return str(value)
    value = contract_value(column, value, record)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return number_text(column, value)
    return safe_text(str(value))


def to_csv(result: Result) -> str:
    """RFC 4180 CSV: a field holding a comma, a quote or a line break is quoted (only ``area``, ``note``
    and listings' free text can; coded columns never hold one)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for record in result.records():
        cells = [_csv_cell(c, record.get(c), record) for c in result.columns]
        if any("\r" in cell for cell in cells):
            # Python's writer quotes a field holding '\n' but not one holding a lone '\r', which a reader
            # takes for a line end: such a row is quoted here, as RFC 4180 asks.
            out.write(",".join(_quoted(cell) for cell in cells) + "\n")
        else:
            writer.writerow(cells)
    return out.getvalue()


def _quoted(cell: str) -> str:
    if any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _json_ready(value: Any, column: str = "", record: dict[str, Any] | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v, k, value) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v, column) for v in value]
    return contract_value(column, value, record)


def to_json(result: Result) -> str:
    """The rows (the CSV's columns, every one present, ``null`` where missing) with title, meta and notes."""
    document = {
        "title": result.title,
        "meta": _json_ready(result.meta),
        "notes": result.notes,
        "rows": [_json_ready({c: record.get(c) for c in result.columns}) for record in result.records()],
    }
    import json  # here: the table and CSV formats, most runs, need not import it

    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
