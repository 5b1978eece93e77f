"""Peer groups: HMIC's "most similar groups", up to seven peers a force, as data a user supplies."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UsageError
from .forces import Registry
from ..metrics.rates import rate_per
from ..results import Row

MAX_PEERS = 7


@dataclass(frozen=True)
class PeerGroups:
    """Each force's peers (ONS codes), from a file or from --peers."""

    groups: dict[str, tuple[str, ...]]

    def group(self, force_code: str) -> list[str]:
        """The force and its peers; an error if the force has no group."""
        if force_code not in self.groups:
            raise UsageError(f"the peer groups give no peers for {force_code}")
        return [force_code, *self.groups[force_code]]


def check_peers(registry: Registry, force_code: str, peer_codes: list[str], where: str) -> list[str]:
    """Problems with one force's peers: itself, repeats, more than seven."""
    problems = []
    name = registry.by_code(force_code).name
    if force_code in peer_codes:
        problems.append(f"{where}: {name} is listed as its own peer")
    repeated = sorted({registry.by_code(c).name for c in peer_codes if peer_codes.count(c) > 1})
    if repeated:
        problems.append(f"{where}: {', '.join(repeated)} listed more than once as a peer of {name}")
    if len(set(peer_codes)) > MAX_PEERS:
        problems.append(f"{where}: {name} has {len(set(peer_codes))} peers; a most similar group has at most "
                        f"{MAX_PEERS}")
    return problems


def peers_from_names(registry: Registry, force_code: str, text: str) -> PeerGroups:
    """Peers given on the command line as comma-separated names (``--peers "Lancashire,Kent"``)."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError("--peers: expected comma-separated force names, such as \"Lancashire,Kent\"")
    forces = [registry.get(n) for n in names]
    national = [f.name for f in forces if not f.territorial]
    if national:
        raise UsageError(f"--peers: {', '.join(national)} {'is a national body' if len(national) == 1 else 'are national bodies'}"
                         ", not a police force area; a most similar group is made of territorial forces")
    codes = [f.code for f in forces]
    problems = check_peers(registry, force_code, codes, "--peers")
    if problems:
        raise UsageError("; ".join(problems))
    return PeerGroups({force_code: tuple(codes)})


def peer_average(rows: list[Row]) -> tuple[float | None, float | None, str]:
    """HMIC's peer comparator: the simple mean of the group's rates, and the pooled rate beside it."""
    missing = [r for r in rows if r.value is None]
    if missing:
        return None, None, f"{missing[0].area}: {missing[0].note}"
    bases = {r.per or 1000 for r in rows}
    if len(bases) != 1:
        raise ValueError(f"peer rates on different bases: {sorted(bases)}")
    simple = sum(r.value for r in rows) / len(rows)  # type: ignore[misc]
    # The base comes from the rows themselves (one place: ``per``), so the pooled rate can never be
    # stated per 1,000 under a per-million label.
    pooled = float(rate_per(sum(r.numerator for r in rows), sum(r.denominator for r in rows),  # type: ignore[misc]
                            bases.pop()))
    return simple, pooled, ""


