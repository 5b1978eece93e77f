"""Build prc-pfa-2019-layout.csv: real rows of the shipped April 2026 table laid out as the 2018-2019 exports were.

    python3 tests/data/home-office/make_2019_layout.py

Every row of Warwickshire and Dyfed-Powys for 2018/19 from
sample_data/releases/home-office-2026-04/prc-pfa-mar2013-onwards-tables-230426.csv.gz, with two changes of
layout and none of content:

- the four homicide offences (codes 1, 4.1, 4.10 and 4.2, each with its real count) are listed under the
  combined code `1/4.1/4.10/4.2` and the description `Homicide`, once per offence, as the exports published in
  2018-2019 did; Dyfed-Powys's rows whose count is 0 are left out (those exports list "up to" four);
- counts are written as those exports wrote them: padded with a leading space (` 2`), and 0 as `-00`.

The sum of a force-quarter's `1/4.1/4.10/4.2` rows is therefore the real homicide count of the shipped table.
"""

import csv
import gzip
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "sample_data/releases/home-office-2026-04/prc-pfa-mar2013-onwards-tables-230426.csv.gz"
TARGET = Path(__file__).resolve().parent / "prc-pfa-2019-layout.csv"
FORCES = ("Warwickshire", "Dyfed-Powys")
HOMICIDE = ("1", "4.1", "4.10", "4.2")


def padded(count: str) -> str:
    return "-00" if int(count) == 0 else f" {int(count)}"


with gzip.open(SOURCE, "rt", newline="", encoding="utf-8") as source, open(TARGET, "w", newline="",
                                                                            encoding="utf-8") as target:
    reader = csv.reader(source)
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(next(reader))
    for row in reader:
        if row[0] != "2018/19" or row[2] not in FORCES:
            continue
        if row[6] in HOMICIDE:
            if row[2] == "Dyfed-Powys" and int(row[7]) == 0:
                continue
            row[3], row[5], row[6] = "Homicide", "Homicide", "1/4.1/4.10/4.2"
        row[7] = padded(row[7])
        writer.writerow(row)
