"""The Home Office tables' published layout: column names, sheet names, count bounds."""

from __future__ import annotations

import re

YEAR = "Financial Year"
QUARTER = "Financial Quarter"
FORCE = "Force Name"
CODE = "Offence Code"
COUNT = "Number of Offences"
OLD_COUNT = "Offence Count"  # the count column's name in some older releases
DESCRIPTIVE = ("Offence Description", "Offence Group", "Offence Subgroup")
REQUIRED = (YEAR, QUARTER, FORCE, CODE)
COUNT_NAMES = (COUNT, OLD_COUNT)
# A year sheet: '2013_14' or '2013-14', with at most a note in brackets ('2025_26 (provisional)').
YEAR_SHEET = re.compile(r"^(\d{4})[-_ ](\d{2})(?:\s*\([^()]{1,40}\))?$")
_NOT_DATA_SHEET = re.compile(r"cover|note|contents", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
_QUARTERS = {"1": 1, "2": 2, "3": 3, "4": 4}
_WHOLE = r"[+-]?[0-9]{1,15}"  # ASCII digits only ('١٢' and full-width digits are not a count)
_WHOLE_ANCHORED = r"^-?[0-9]{1,15}$"
# A quarter's count for one force and offence code outside these bounds is refused as implausible: all crime
# in England and Wales is about 6 million a year, and the April 2026 release ranges from -268 (recording
# corrections) to 246,973 (UK Finance, one quarter).
COUNT_BOUNDS = (-10_000, 10_000_000)
# Financial years a release can hold: the series starts in 2002/03, and no year can start in the future.
FIRST_YEAR = 2000
_GZIP_MAGIC = b"\x1f\x8b"
COUNT_WHAT = "a whole number of offences"
