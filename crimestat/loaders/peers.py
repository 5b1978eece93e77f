"""Load peer groups: a CSV of ``force,peer`` rows, one row per force and peer."""

from __future__ import annotations

from ..errors import BadValueError, Problem
from ..model.forces import Registry
from ..model.peers import PeerGroups, check_peers
from ._csv import Source, read_csv


def load_peer_groups(source: Source, registry: Registry) -> PeerGroups:
    """Read and check peer groups; unknown forces, self-peers, repeats and groups over seven are errors."""
    table = read_csv(source, ["force", "peer"])
    groups: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    for r, (force_text, peer_text) in enumerate(zip(table.column("force"), table.column("peer"))):
        codes = []
        for column, text in (("force", force_text), ("peer", peer_text)):
            force = registry.find(text.strip()) if text.strip() else None
            if force is None:
                near = registry.suggest(text)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                table.problem(f"'{text.strip()}' is not a known force{hint}", r, column)
            elif not force.territorial:
                table.problem(f"{force.name} is a national body, not a police force area; expected a territorial "
                              "force", r, column)
                force = None
            codes.append(force.code if force else None)
        if None not in codes:
            groups.setdefault(codes[0], []).append(codes[1])  # type: ignore[arg-type]
            first_line.setdefault(codes[0], table.lines[r])  # type: ignore[arg-type]
    table.raise_problems()
    problems = []
    for code, peers in groups.items():
        for message in check_peers(registry, code, peers, f"group starting on line {first_line[code]}"):
            problems.append(Problem(table.name, message))
    if problems:
        raise BadValueError(problems)
    return PeerGroups({code: tuple(dict.fromkeys(peers)) for code, peers in groups.items()})
