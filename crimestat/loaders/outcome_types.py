"""Read the outcome types table (``data/outcome_types.csv``): a small CSV, read without pandas so that a
command using cached outcomes needs none."""

from __future__ import annotations

from importlib import resources

from ..model.outcomes import CATEGORIES, OutcomeType, OutcomeTypes
from ._csv import Source, check_text, parse_number, read_csv


def packaged_outcome_types_path():
    return resources.files("crimestat") / "data" / "outcome_types.csv"


def load_outcome_types(source: Source | None = None) -> OutcomeTypes:
    """Read the outcome types table: ``outcome_type,label,outcome_group,category``.

    The packaged table lists the Home Office outcome types 0-22 as used in the outcomes open data. Labels
    are short forms of the outcome type descriptions of the Home Office outcomes framework (Home Office
    Counting Rules, "Crime outcomes in England and Wales" statistical bulletins and their user guide);
    ``outcome_group`` is copied from the open data's ``Outcome Group`` column (2024/25 file), so it is the
    Home Office's wording exactly. Type 19 (National Fraud Intelligence Bureau filed, used by Action
    Fraud only) is not listed: it does not occur in the police force outcomes data, so a 19 there is an
    error rather than a guess. ``category`` groups the types into crimestat's outcome measures.
    """
    if source is None:
        source = str(packaged_outcome_types_path())
    table = read_csv(source, ["outcome_type", "label", "outcome_group", "category"])
    numbers = [parse_number(table, r, "outcome_type", row[table.index("outcome_type")],
                            what="an outcome type number 0-99") for r, row in enumerate(table.rows)]
    labels = check_text(table, "label", "a label")
    groups = check_text(table, "outcome_group", "the outcome group as the Home Office publishes it")
    categories = check_text(table, "category", "one of " + ", ".join(CATEGORIES))
    seen: dict[int, int] = {}
    types = []
    for r, (number, label, group, category) in enumerate(zip(numbers, labels, groups, categories)):
        if category and category not in CATEGORIES:
            table.problem(f"'{category}' is not an outcome category; expected one of {', '.join(CATEGORIES)}",
                          r, "category")
        if number is None:
            continue
        if int(number) in seen:
            table.problem(f"outcome type {number} is listed twice (first on line {seen[int(number)]})", r,
                          "outcome_type")
        seen[int(number)] = table.lines[r]
        types.append(OutcomeType(int(number), label, group, category))  # type: ignore[arg-type]
    table.raise_problems()
    return OutcomeTypes(tuple(sorted(types, key=lambda t: t.number)))


# --- recognising and reading outcomes files ---------------------------------------------------------


