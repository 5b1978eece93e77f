"""The completeness test the Home Office tables share: every force lists what every other force lists.

The crime and outcomes tables give every territorial force a row for every offence code (or offence group and
outcome type) in every quarter, zeros included. A force-quarter short of rows that all the other forces have
is a file cut at a line end, or rows lost, and its totals would be silently partial. Finding *whether* some
force is short is done here with numpy, in milliseconds for a whole release; the loaders then word the
problem for the (rare) file that has one.
"""

from __future__ import annotations

import numpy as np

# Cells of the (quarter, force, item) grid ``any_force_short`` marks (one byte each).
GRID_LIMIT = 20_000_000


def any_force_short(quarters: np.ndarray, areas: np.ndarray, items: np.ndarray, minimum: int) -> bool:
    """Whether, in a quarter that at least ``minimum`` forces have, some item is held by all the forces but one.

    ``quarters``, ``areas`` and ``items`` are each row's index (0, 1, 2, ...) of its quarter, force and item
    (offence code, or offence group and outcome type). Which (quarter, force, item) are present is marked in
    a grid of them all (about half a million cells for a real release, where hashing 300,000 keys took
    0.1 s); a file with so many distinct items that the grid would be large is counted by sorting instead.
    """
    if not len(quarters):
        return False
    n_quarters, n_areas, n_items = (int(a.max()) + 1 for a in (quarters, areas, items))
    triple = (quarters.astype("int64") * n_areas + areas) * n_items + items
    if n_quarters * n_areas * n_items <= GRID_LIMIT:
        seen = np.zeros((n_quarters, n_areas, n_items), dtype=bool)
        seen.reshape(-1)[triple] = True
        forces = seen.any(axis=2).sum(axis=1)[:, None]  # [quarter]: forces with rows
        held = seen.sum(axis=1)  # [quarter, item]: forces listing the item
        return bool(np.any((held == forces - 1) & (forces >= minimum)))
    triples = np.unique(triple)
    pairs = np.unique(triples // n_items)  # (quarter, force) with rows
    forces_of = np.bincount(pairs // n_areas, minlength=n_quarters)
    quarter_item = (triples // (n_areas * n_items)) * n_items + triples % n_items
    held_by, counts = np.unique(quarter_item, return_counts=True)  # forces holding each (quarter, item)
    wanted = forces_of[held_by // n_items]
    return bool(np.any((counts == wanted - 1) & (wanted >= minimum)))


def lost_items(quarters: np.ndarray, areas: np.ndarray, items: np.ndarray, minimum: int) -> np.ndarray:
    """The (quarter, force, item) index triples, as rows of an (n, 3) array, of items a force lost: it held the
    item in the quarter before, at least one other force still holds it in this quarter (so the item was not
    retired), and the quarter has at least ``minimum`` forces. Catches an item lost for any number of forces,
    where :func:`any_force_short` needs all the others to hold it.

    ``quarters`` are consecutive indexes (0 for the first quarter of the file, 1 for the next present, ...).
    """
    if not len(quarters):
        return np.zeros((0, 3), dtype="int64")
    n_quarters, n_areas, n_items = (int(a.max()) + 1 for a in (quarters, areas, items))
    if n_quarters * n_areas * n_items <= GRID_LIMIT:
        # The same test on a grid of (quarter, force, item) marks: a few milliseconds for a whole release,
        # where sorting and searching 300,000 keys took a quarter of a second. np.nonzero walks the grid in
        # (quarter, force, item) order, the order of the sorted keys below.
        seen = np.zeros((n_quarters, n_areas, n_items), dtype=bool)
        seen.reshape(-1)[(quarters.astype("int64") * n_areas + areas) * n_items + items] = True
        present_pairs = seen.any(axis=2)  # [quarter, force]
        held_items = seen.any(axis=1)  # [quarter, item]
        enough = present_pairs.sum(axis=1) >= minimum  # [quarter]
        lost_grid = (seen[:-1] & ~seen[1:] & present_pairs[1:, :, None] & held_items[1:, None, :]
                     & enough[1:, None, None])
        q, a, i = np.nonzero(lost_grid)
        return np.stack([q + 1, a, i], axis=1).astype("int64")
    triple = np.unique((quarters.astype("int64") * n_areas + areas) * n_items + items)
    q, rest = np.divmod(triple, n_areas * n_items)
    a, i = np.divmod(rest, n_items)
    # Candidates: every item a force held, carried to the next quarter.
    later = q + 1
    keep = later < n_quarters
    later, a, i = later[keep], a[keep], i[keep]
    candidate = (later * n_areas + a) * n_items + i
    present_pair = np.unique(triple // n_items)  # (quarter, force) with rows
    forces_of = np.bincount(present_pair // n_areas, minlength=n_quarters)
    held_item = np.unique(q * n_items + triple % n_items)  # (quarter, item) held by some force
    lost = (~np.isin(candidate, triple) & np.isin(later * n_areas + a, present_pair)
            & np.isin(later * n_items + i, held_item) & (forces_of[later] >= minimum))
    return np.stack([later[lost], a[lost], i[lost]], axis=1)


def distinct_small(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` for integer keys spanning a small range (quarters as year * 10
    + quarter: a few hundred values), by marking a table rather than sorting 300,000 keys."""
    if not len(keys) or int(keys.max()) - int(keys.min()) > 1_000_000:
        return np.unique(keys, return_inverse=True)
    low = int(keys.min())
    present = np.zeros(int(keys.max()) - low + 1, dtype=bool)
    present[keys - low] = True
    rank = np.cumsum(present) - 1
    return (np.flatnonzero(present) + low).astype(keys.dtype), rank[keys - low].astype(np.intp)
