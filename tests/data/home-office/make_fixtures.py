"""Build the Home Office test fixtures from real rows of the 23 April 2026 release.

Run by a developer (not by the tests), from the repository root:

    python3 tests/data/home-office/make_fixtures.py [/work/shared/data/home-office/prc-pfa-mar2013-onwards-tables-230426.csv.gz]

Needs pandas with odfpy (for .ods) and openpyxl (for .xlsx); neither is a crimestat dependency. The rows
are copied unchanged; only the bad-input files under ``bad/`` alter one cell each, as their names say.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
RELEASE = Path("/work/shared/data/home-office/prc-pfa-mar2013-onwards-tables-230426.csv.gz")
COLUMNS = ["Financial Year", "Financial Quarter", "Force Name", "Offence Description", "Offence Group",
           "Offence Subgroup", "Offence Code", "Number of Offences"]
YEARS = ["2012/13", "2013/14", "2014/15"]
# Every row of Warwickshire; a handful of codes for two more forces (West Mercia and City of London have
# real negative counts among them); the fraud bodies' rows (CIFAS is spelt 'Cifas' from 2013/14).
OTHER_FORCES = ["West Mercia", "London, City of"]
OTHER_CODES = ["4.10", "1/4.1/4.10/4.2", "8L", "8M", "28A", "30A", "36", "73", "24"]
FRAUD_BODIES = ["Action Fraud", "CIFAS", "Cifas"]


def select(release: Path) -> pd.DataFrame:
    rows = pd.read_csv(release, dtype=str, keep_default_na=False)
    rows = rows[rows["Financial Year"].isin(YEARS)]
    keep = (
        (rows["Force Name"] == "Warwickshire")
        | (rows["Force Name"].isin(OTHER_FORCES) & rows["Offence Code"].isin(OTHER_CODES))
        | rows["Force Name"].isin(FRAUD_BODIES)
    )
    return rows[keep][COLUMNS].reset_index(drop=True)


def typed(rows: pd.DataFrame) -> pd.DataFrame:
    """As the workbook holds them: quarter and count as number cells, everything else (codes too) as text."""
    out = rows.astype(object)
    out["Financial Quarter"] = rows["Financial Quarter"].astype(int)
    out["Number of Offences"] = rows["Number of Offences"].astype(int)
    return out


def sheet_grid(rows: pd.DataFrame, year: str) -> pd.DataFrame:
    """One year sheet as a grid of cells (header included), in the layouts the publisher has used."""
    data = typed(rows[rows["Financial Year"] == year])
    grid = [COLUMNS] + data.values.tolist()
    if year == "2013/14":
        # The April 2026 release's 2013_14 sheet has three stray columns after the eighth.
        grid[0] = COLUMNS + ["", "", "Note"]
        grid[1:] = [r + ["", 1, "x"] if i % 50 == 0 else r + ["", "", ""] for i, r in enumerate(grid[1:])]
    if year == "2014/15":
        # A title and a blank row above the header (seen in hand-edited copies).
        width = len(COLUMNS)
        grid = [["Police recorded crime by police force area, 2014/15"] + [""] * (width - 1), [""] * width] + grid
    return pd.DataFrame(grid)


def write_workbook(rows: pd.DataFrame, path: Path, engine: str) -> None:
    with pd.ExcelWriter(path, engine=engine) as writer:
        pd.DataFrame([["Police recorded crime open data tables (test extract)"],
                      ["Source: Home Office, 23 April 2026 release"]]).to_excel(
            writer, sheet_name="Cover_sheet", header=False, index=False)
        pd.DataFrame([["Note 1", "Rows copied from the published year sheets."]]).to_excel(
            writer, sheet_name="Notes_", header=False, index=False)
        for year in YEARS:
            sheet_grid(rows, year).to_excel(writer, sheet_name=year.replace("/", "_"), header=False, index=False)


def csv_text(rows: pd.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows[COLUMNS].values.tolist())
    return out.getvalue()


def write_bad(rows: pd.DataFrame) -> None:
    bad = HERE / "bad"
    bad.mkdir(exist_ok=True)
    head = rows[rows["Force Name"] == "Warwickshire"].head(6).reset_index(drop=True)

    def changed(row: int, column: str, value: str) -> pd.DataFrame:
        out = head.copy()
        out.loc[row, column] = value
        return out

    (bad / "na-count.csv").write_text(csv_text(changed(2, "Number of Offences", "N/a")))
    (bad / "unknown-force.csv").write_text(csv_text(changed(3, "Force Name", "Warwickshre")))
    (bad / "bad-year.csv").write_text(csv_text(changed(1, "Financial Year", "2012/14")))
    (bad / "bad-quarter.csv").write_text(csv_text(changed(4, "Financial Quarter", "5")))
    (bad / "missing-column.csv").write_text(csv_text(head).replace("Offence Code", "Offence", 1))
    (bad / "duplicate-row.csv").write_text(csv_text(pd.concat([head, head.iloc[[2]]], ignore_index=True)))
    (bad / "truncated.csv").write_text(csv_text(head)[:-7])
    padded = head.copy()
    padded["Number of Offences"] = padded["Number of Offences"].map(lambda v: f"{v:>8}")
    (bad / "padded-numbers.csv").write_text(csv_text(padded))
    na = head.astype(object)
    na["Financial Quarter"] = head["Financial Quarter"].astype(int)
    na["Number of Offences"] = [int(v) for v in head["Number of Offences"][:3]] + ["N/a"] + [
        int(v) for v in head["Number of Offences"][4:]]
    with pd.ExcelWriter(bad / "na-count.xlsx", engine="openpyxl") as writer:
        pd.DataFrame([["Cover"]]).to_excel(writer, sheet_name="Cover_sheet", header=False, index=False)
        na.to_excel(writer, sheet_name="2012_13", index=False)
    with pd.ExcelWriter(bad / "no-year-sheets.xlsx", engine="openpyxl") as writer:
        pd.DataFrame([["Cover"]]).to_excel(writer, sheet_name="Cover_sheet", header=False, index=False)
        typed(head).to_excel(writer, sheet_name="Data", index=False)
    with pd.ExcelWriter(bad / "no-header.xlsx", engine="openpyxl") as writer:
        typed(head).to_excel(writer, sheet_name="2012_13", index=False, header=False)


def main() -> None:
    release = Path(sys.argv[1]) if len(sys.argv) > 1 else RELEASE
    rows = select(release)
    write_workbook(rows, HERE / "prc-pfa-sample.ods", "odf")
    write_workbook(rows, HERE / "prc-pfa-sample.xlsx", "openpyxl")
    with gzip.GzipFile(HERE / "prc-pfa-sample.csv.gz", "wb", mtime=0) as stream:
        stream.write(csv_text(rows).encode("utf-8"))
    write_bad(rows)
    print(f"{len(rows)} rows written to {HERE}")


if __name__ == "__main__":
    main()
