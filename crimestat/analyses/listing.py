"""Results for the reference listings: ``crimestat forces`` and ``crimestat measures``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..results import Cell, Result, Section

if TYPE_CHECKING:
    from ..model.classification import Classification
    from ..model.forces import Registry


def forces_result(registry: Registry) -> Result:
    records = [
        {"code": f.code, "name": f.name, "region": f.region, "country": f.country, "kind": f.kind,
         "aliases": "|".join(a for a in f.aliases if a != f.name)}
        for f in sorted(registry.forces, key=lambda f: (not f.territorial, f.name))
    ]
    table = [[Cell(r["code"]), Cell(r["name"]), Cell(r["region"]), Cell(r["kind"]),
              Cell(r["aliases"].replace("|", "; "))] for r in records]
    return Result(
        "Police forces (names are matched case-insensitively; '&' and 'and' are the same)",
        records,
        [Section(["Code", "Name", "Region", "Kind", "Also known as"], table, ["left"] * 5)],
        ["Codes starting E23/W15 are ONS police force area codes; the others are crimestat's own."],
        columns=["code", "name", "region", "country", "kind", "aliases"],
    )


def measures_result(classification: Classification) -> Result:
    records = []
    for m in classification.measures():
        info = classification.describe(m)
        for (source, measure), categories in sorted(classification.members.items()):
            if measure == m:
                records.append({"measure": m, "label": info.label, "denominator": info.denominator,
                                "source": source, "categories": "|".join(sorted(categories))})
    table = [[Cell(r["measure"]), Cell(r["label"]), Cell(r["denominator"]), Cell(r["source"]),
              Cell(str(len(r["categories"].split("|"))))] for r in records]
    return Result(
        "Measures",
        records,
        [Section(["Measure", "Label", "Per 1,000", "Source", "Categories"], table,
                 ["left", "left", "left", "left", "right"])],
        ["`crimestat measures --format csv` lists every category of each measure."],
        columns=["measure", "label", "denominator", "source", "categories"],
    )
