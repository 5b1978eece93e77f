"""Write the release.json manifests of the shipped releases (a maintainer's tool, run after changing a file).

python3 sample_data/releases/make_manifests.py
"""

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
OGL = "Open Government Licence v3.0"

RELEASES = {
    "ons-2019": {
        "name": "ons-2019",
        "title": "ONS police recorded crime by police force area (2019 revision), with the 2019 population edition",
        "publisher": "Office for National Statistics",
        "published": "2019-04-25",
        "url": "https://www.ons.gov.uk/peoplepopulationandcommunity/crimeandjustice/datasets/"
               "recordedcrimedataatpoliceforcearealevel",
        "licence": OGL,
        "population": "ONS mid-year estimates, 2019 edition",
        "files": [
            ("crime", "rec-crime-pfa.csv", "ONS rolling 12-month totals by force and offence group, to December 2018"),
            ("population", "pfa-population-mid2001-mid2019.csv",
             "ONS mid-year population estimates (MYEB1, 2019 edition) summed to police force areas",
             [(2001, 2019, "2019 edition, MYEB1")]),
            ("households", "pfa-households-census-2011.csv", "2011 Census households by police force area",
             [(2011, 2011, "2011 Census")]),
            ("indicators", "hmic-2014-published.csv",
             "victim satisfaction, detection and anti-social behaviour figures printed in HMIC's 2014 Warwickshire report"),
        ],
    },
    "home-office-2026-04": {
        "name": "home-office-2026-04",
        "title": "Home Office police recorded crime open data tables, 23 April 2026, with ONS population revised "
                 "after the 2021 Census",
        "publisher": "Home Office",
        "published": "2026-04-23",
        "url": "https://www.gov.uk/government/statistics/police-recorded-crime-open-data-tables",
        "licence": OGL,
        "population": "ONS mid-year estimates revised after the 2021 Census",
        "files": [
            ("crime", "prc-pfa-mar2013-onwards-tables-230426.csv.gz",
             "Police Force Area tables, financial years 2012/13 to 2025/26 Q3, as one long table"),
            ("population", "pfa-population-mid2011-mid2024.csv",
             "ONS mid-year population estimates mid-2011 to mid-2024 (revised series) by police force area",
             [(2011, 2023, "MYE23 edition, published July 2024"), (2024, 2024, "mid-2024 edition, published July 2025")]),
            ("households", "pfa-households-census-2011.csv", "2011 Census households by police force area",
             [(2011, 2011, "2011 Census")]),
            ("households", "pfa-households-census-2021.csv", "2021 Census households (TS041) by police force area",
             [(2021, 2021, "2021 Census (TS041)")]),
            ("outcomes", "prc-outcomes-2024-25-by-force-quarter-group-type.csv.gz",
             "crime outcomes open data 2024/25, offences recorded in each quarter, by force, offence group and outcome type"),
            ("geography", "recrime-geo-pfa.csv", "Home Office geography reference table"),
        ],
    },
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


for name, spec in RELEASES.items():
    folder = HERE / name
    manifest = dict(spec)
    manifest["files"] = []
    for role, path, text, *more in spec["files"]:
        if not (folder / path).is_file():
            continue
        entry = {"role": role, "path": path, "sha256": sha256(folder / path), "description": text}
        if more:
            entry["editions"] = [{"from": first, "to": last, "edition": edition} for first, last, edition in more[0]]
        manifest["files"].append(entry)
    (folder / "release.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"{name}: {len(manifest['files'])} files")
