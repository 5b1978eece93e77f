"""Load the offence classification (source category -> measure) and the measures' labels."""

from __future__ import annotations

import functools
from collections.abc import Collection
from importlib import resources

from ..model.classification import Classification, MeasureInfo
from ..runtime.kept import kept_load
from ._csv import Source, check_text, read_csv

DENOMINATORS = ("population", "households")


def _packaged(name: str) -> str:
    return str(_data_folder() / name)


@functools.lru_cache(maxsize=1)
def _data_folder():
    """The packaged data folder (looked up once: the classification is loaded many times in a session)."""
    return resources.files("crimestat") / "data"


def load_classification(source: Source | None = None, measures: Source | None = None,
                        known_sources: Collection[str] = ()) -> Classification:
    """Read ``source,category,measure`` rows (default: the packaged file) and ``measure,label,denominator``.

    ``known_sources``: the keys of the sources crimestat reads (the source registry's); a row naming another
    is an error. Empty: not checked (the registry lives above the loaders, so it is passed in). The packaged
    classification is read once per process while its files are unchanged (``runtime.kept``)."""
    if source is None and measures is None:
        known = tuple(sorted(known_sources))
        files = tuple(_packaged(name) for name in ("classification.csv", "measures.csv", "levels.csv", "offences.csv"))
        return kept_load(f"classification|{'|'.join(known)}", files, lambda: _load_classification(None, None, known))
    return _load_classification(source, measures, known_sources)


def _load_classification(source: Source | None, measures: Source | None,
                         known_sources: Collection[str]) -> Classification:
    table = read_csv(source if source is not None else _packaged("classification.csv"),
                     ["source", "category", "measure"])
    sources = check_text(table, "source", "a data source such as 'ons' or 'police_uk'")
    categories = check_text(table, "category", "a source category such as 'Robbery'")
    names = check_text(table, "measure", "a measure name such as 'crime_excl_fraud'")
    members: dict[tuple[str, str], set[str]] = {}
    seen: dict[tuple[str, str, str], int] = {}
    not_names = {name for name in set(names) if name and not name.replace("_", "").isalnum()}
    for r, key in enumerate(zip(sources, categories, names)):
        if key in seen:
            table.problem(f"repeats line {seen[key]}", r, None)
        seen[key] = table.lines[r]
        if key[2] in not_names:
            table.problem(f"'{key[2]}' is not a measure name; expected letters, digits and '_'", r, "measure")
        members.setdefault((key[0], key[2]), set()).add(key[1])
    _check_consistent(table, sources, categories, names, set(known_sources))
    table.raise_problems()

    info_table = read_csv(measures if measures is not None else _packaged("measures.csv"),
                          ["measure", "label", "denominator"])
    info: dict[str, MeasureInfo] = {}
    for r, (m, label, denominator) in enumerate(
        zip(info_table.column("measure"), info_table.column("label"), info_table.column("denominator"))
    ):
        if denominator not in DENOMINATORS:
            info_table.problem(
                f"'{denominator}' is not a denominator; expected one of {', '.join(DENOMINATORS)}", r, "denominator"
            )
        info[m.strip()] = MeasureInfo(m.strip(), label.strip(), denominator.strip())
    info_table.raise_problems()
    return load_levels(Classification(members, info))


def _check_consistent(table, sources: list[str], categories: list[str], names: list[str], known: set[str]) -> None:
    """Mistakes that would silently move crimes out of a measure: a source crimestat does not know (rows it
    never uses), one category written two ways ('Bicycle theft' and 'bicycle theft': the file's spelling
    matches only one), and a category both declared excluded and counted in a measure."""
    spelling: dict[tuple[str, str], tuple[str, int]] = {}
    excluded = {(s, c) for s, c, m in zip(sources, categories, names) if m == "excluded"}
    for r, (source, category, measure) in enumerate(zip(sources, categories, names)):
        if source and known and source not in known:
            table.problem(f"'{source}' is not a source crimestat reads; expected one of {', '.join(sorted(known))}",
                          r, "source")
        key = (source, " ".join(category.lower().split()))
        first = spelling.setdefault(key, (category, table.lines[r]))
        if first[0] != category:
            table.problem(f"'{category}' is '{first[0]}' (line {first[1]}) written another way; expected one "
                          "spelling, as the crime file has it", r, "category")
        if measure != "excluded" and (source, category) in excluded:
            table.problem(f"'{category}' is declared excluded and also counted in '{measure}'; expected one or "
                          "the other", r, "measure")


def load_levels(classification: Classification) -> Classification:
    """The packaged levels (``data/levels.csv``: which measures are a source's offence groups and subgroups)
    and category labels (``data/offences.csv``) added to a classification; returns it."""
    levels = read_csv(_packaged("levels.csv"), ["source", "level", "measure"])
    for source, level, measure in zip(levels.column("source"), levels.column("level"), levels.column("measure")):
        classification.levels.setdefault((source.strip(), level.strip()), []).append(measure.strip())
    labels = read_csv(_packaged("offences.csv"), ["source", "category", "label"])
    for source, category, label in zip(labels.column("source"), labels.column("category"), labels.column("label")):
        classification.labels[(source.strip(), category.strip())] = label.strip()
    return classification
