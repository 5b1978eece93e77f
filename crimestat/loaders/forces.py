"""Load the forces registry (packaged ``data/forces.csv`` or a user's file of the same shape)."""

from __future__ import annotations

from importlib import resources

from ..model.forces import Force, Registry, normalise
from ..runtime.kept import kept_load
from ._csv import Source, check_text, read_csv

KINDS = ("territorial", "national", "fraud", "other")


def packaged_forces_path():
    return resources.files("crimestat") / "data" / "forces.csv"


def load_forces(source: Source | None = None) -> Registry:
    """Read a forces registry: ``code,name,region,country,kind,police_uk_id,aliases`` (aliases '|'-separated).
    The packaged registry is read once per process while its file is unchanged (``runtime.kept``)."""
    if source is None:
        path = str(packaged_forces_path())
        return kept_load("forces", (path,), lambda: _load_forces(path))
    return _load_forces(source)


def _load_forces(source: Source) -> Registry:
    table = read_csv(source, ["code", "name", "kind"], ["region", "country", "police_uk_id", "aliases"])
    codes = check_text(table, "code", "a force code")
    names = check_text(table, "name", "a force name")
    kinds = check_text(table, "kind", "one of " + ", ".join(KINDS))

    def optional(column: str) -> list[str]:
        return table.column(column) if column in table.header else [""] * len(table.rows)

    forces = []
    seen: dict[str, int] = {}
    owner: dict[str, tuple[str, int]] = {}  # a name, normalised -> the force it names and where
    for r, (code, name, kind, region, country, puk, aliases) in enumerate(
        zip(codes, names, kinds, optional("region"), optional("country"), optional("police_uk_id"),
            optional("aliases"))
    ):
        if kind and kind not in KINDS:
            table.problem(f"'{kind}' is not a kind of force; expected one of {', '.join(KINDS)}", r, "kind")
        if code in seen:
            table.problem(f"code '{code}' is listed twice (first on line {seen[code]})", r, "code")
        seen[code] = table.lines[r]
        alias_list = tuple(a.strip() for a in aliases.split("|") if a.strip())
        forces.append(Force(code, name, region.strip(), country.strip(), kind, puk.strip(), alias_list))
        for alias in (code, name, puk.strip(), *alias_list):
            key = normalise(alias) if alias else ""
            if key and owner.setdefault(key, (code, table.lines[r]))[0] != code:
                other, line = owner[key]
                table.problem(f"'{alias}' names {code} here but {other} on line {line}; expected each name to "
                              "name one force", r, "aliases")
    table.raise_problems()
    return Registry(forces)
