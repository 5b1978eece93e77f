"""Write the release.json manifests of the shipped releases (a maintainer's tool, run after changing a file).

python3 sample_data/releases/make_manifests.py
"""

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
OGL = "Open Government Licence v3.0"

# The Home Office outcomes workbooks the outcomes series was summed from: one per financial year, with the
# address and SHA-256 the aggregating project recorded when it downloaded them (its source-files-manifest.json).
OUTCOME_WORKBOOKS = [
    ("2014/15", "prc-outcomes-open-data-mar2015-tables-241024.xlsx", "6807a0704dd7e0f8897a6195",
     "cf651dd5aa388e8e11ee3ffe9af76828dea270c795ec0d447ed73b6140079c12", 26516184),
    ("2015/16", "prc-outcomes-open-data-mar2016-tables-240724.xlsx", "6807a0c13bdfd1243078e6d8",
     "2ce603e1c17f902d6e58447fbedbe61d7b8c02aec4d11772b4ec522693e5f481", 31152280),
    ("2016/17", "prc-outcomes-open-data-mar2017-tables-240724.xlsx", "6807a0f90324470d6a394e70",
     "b8971b23222e1aa3245229f568bd5864e4903a8a5c76cdd5744a7fe22243edca", 33742929),
    ("2017/18", "prc-outcomes-open-data-mar2018-tables-240724.xlsx", "6807a12b4dd7e0f8897a6196",
     "4b04cb277bac29ae7d9e0d178da1433d50a4d8ab6ef902a5189dff8f7833b513", 32700741),
    ("2018/19", "prc-outcomes-open-data-mar2019-tables-240724.xlsx", "6807a1618c1316be7978e6d7",
     "4938d7e5bd8955cae81e65f640a42b89fda180d7e72dc2455ab5a1118ceb6b0d", 40701172),
    ("2019/20", "prc-outcomes-open-data-mar2020-tables-240724.xlsx", "6807a1914dd7e0f8897a6197",
     "e02fc76eb0c980ef357d6c5cb8a6cac555c16529360482330cb4314a4dc2e9cf", 40798120),
    ("2020/21", "prc-outcomes-open-data-mar2021-tables-240425.xlsx", "6880899d77a3acd9f4d0e26c",
     "c87feca5b7aab1ae1573fd0267e99cfd9b36b93f647cf4ccb5c2c459fa895fdf", 40476037),
    ("2021/22", "prc-outcomes-open-data-mar2022-tables-240725.xlsx", "6890c52123e00ee4ad463ebf",
     "7536a78f8cb8416e14246cb2811253f0c3844d5d1a3fb511c4b37b4991144dbc", 44397030),
    ("2022/23", "prc-outcomes-open-data-mar2023-tables-230726.xlsx", "6a5e57d624d44672cf1b4648",
     "590d7ecfc1ad98e445494094095f762b2cd4b2a131a0862eac484d592ddf063a", 39841877),
    ("2023/24", "prc-outcomes-open-data-mar2024-tables-230726.xlsx", "6a5e57ef30f5842e1f5a5ecf",
     "1a77b971b356878090d338caec2e14e0ada81b88cc9af5a2cb9a15bbc61c08bc", 39880388),
    ("2024/25", "prc-outcomes-open-data-mar2025-tables-230726.xlsx", "6a5e580ec7c34404041b4648",
     "d74ec31f481a0b6831f1e1f870bd5032311e422052d2163b3f5f9db54fc004e7", 40081925),
    ("2025/26", "prc-outcomes-open-data-mar2026-tables-230726.xlsx", "6a5e586e4763c49e9be693fb",
     "f59004c8eb83f888fc0c7a8709cc866dde2f0f70dfd854a684af46bd42e402a9", 39879514),
]

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
    "home-office-outcomes-2026-07": {
        "name": "home-office-outcomes-2026-07",
        "title": "Home Office police recorded crime outcomes open data, 2014/15 to 2025/26, release of 23 July 2026, "
                 "summed to force and quarter",
        "publisher": "Home Office",
        "published": "2026-07-23",
        "url": "https://www.gov.uk/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables",
        "licence": OGL,
        "aggregation": (
            "Each year's outcomes workbook (one row per force, quarter, offence code and outcome type) summed by an "
            "independent public project to force x quarter for two bases: outcomes assigned in the quarter whatever "
            "the crime's recording date (closed), and outcomes so far of the offences recorded in the quarter "
            "(recorded); each for all offences and excluding fraud, as counts of outcome types 1 (charged/summonsed), "
            "2, 3, 6, 7, 8 and 22, out-of-court (2+3+6+7+8+22), positive (1 + out-of-court) and assigned (every type "
            "but 0, not yet assigned). A second file sums charges and out-of-court disposals by force, financial "
            "year and offence group on both bases; its groups add up to the quarter file in every force and year. "
            "Checked against the Home Office's own 2024/25 outcomes file of 23 April 2026. Where a force supplied "
            "no data the aggregation wrote 0; crimestat treats such quarters as missing (see docs/outcomes.md)."),
        "sources": [{"financial_year": year, "path": name, "sha256": digest, "size_bytes": size,
                     "url": f"https://assets.publishing.service.gov.uk/media/{media}/{name}"}
                    for year, name, media, digest, size in OUTCOME_WORKBOOKS],
        "files": [
            ("outcome_series", "prc-outcomes-force-quarter-2014-15-to-2025-26-230726.csv",
             "outcomes by force and quarter, 2014/15 to 2025/26, closed and recorded bases, by outcome type"),
            ("outcome_groups", "prc-outcomes-force-offence-group-year-2014-15-to-2025-26-230726.csv",
             "charges and out-of-court outcomes by force, financial year and offence group, both bases"),
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
