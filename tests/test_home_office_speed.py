"""The fast paths of the Home Office and outcomes loaders agree with the plain computations they replace.

Each test compares a whole-array step with the straightforward way of computing the same thing (a pandas
groupby, a sort, int() cell by cell, a set per force and quarter), on random inputs and on real rows of the
fixtures (tests/data/home-office, built from the 23 April 2026 release). No timing is checked here: the speed
is measured by benchmarks/home_office_benchmark.py.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crimestat.errors import BadValueError
from crimestat.loaders import _complete
from crimestat.loaders._csv import CsvTable
from crimestat.loaders.forces import load_forces
from crimestat.loaders._complete import distinct_small
from crimestat.sources.home_office.parser import load_home_office_crime
from crimestat.sources.outcome_series import _counts
from crimestat.sources.outcomes import _lookup, _sum_sorted
from crimestat.sources.outcomes_checks import first_seen, row_ids

HERE = Path(__file__).resolve().parent / "data" / "home-office"


def lost_by_sets(quarters, areas, items, minimum):
    """lost_items the slow, obvious way: sets of what each force held in each quarter."""
    held: dict[tuple[int, int], set[int]] = {}
    for q, a, i in zip(quarters.tolist(), areas.tolist(), items.tolist()):
        held.setdefault((q, a), set()).add(i)
    found = []
    for (q, a), items_before in held.items():
        now = held.get((q + 1, a))
        if now is None:
            continue
        forces_now = {f for (qq, f) in held if qq == q + 1}
        if len(forces_now) < minimum:
            continue
        others = set().union(*(held[(q + 1, f)] for f in forces_now))
        found += [(q + 1, a, i) for i in items_before - now if i in others]
    return sorted(found)


@pytest.mark.parametrize("seed", range(12))
def test_lost_items_on_the_grid_and_by_sorting_agree_with_sets(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    n_quarters, n_areas, n_items = rng.integers(1, 6), rng.integers(1, 14), rng.integers(1, 9)
    full = np.array([(q, a, i) for q in range(n_quarters) for a in range(n_areas) for i in range(n_items)])
    rows = full[rng.random(len(full)) < rng.uniform(0.6, 1.0)]
    retired = rng.integers(0, n_items)  # an item no force lists from some quarter on: retired, not lost
    rows = rows[~((rows[:, 2] == retired) & (rows[:, 0] >= rng.integers(1, 3)))]
    if not len(rows):
        rows = full[:1]
    rows = np.concatenate([rows, rows[rng.integers(0, len(rows), 5)]])  # repeats, as a file may have
    rng.shuffle(rows)
    q, a, i = rows.T
    minimum = int(rng.integers(1, 4))
    expected = lost_by_sets(q, a, i, minimum)
    on_grid = _complete.lost_items(q, a, i, minimum)
    monkeypatch.setattr(_complete, "GRID_LIMIT", 0)
    by_sorting = _complete.lost_items(q, a, i, minimum)
    assert on_grid.dtype == by_sorting.dtype == np.int64
    assert on_grid.tolist() == by_sorting.tolist() == [list(t) for t in expected]


def test_lost_items_names_a_code_lost_for_two_forces():
    # Three forces hold items 0 and 1 in quarter 0; in quarter 1 forces 0 and 1 lose item 1, force 2 keeps it.
    q = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    a = np.array([0, 0, 1, 1, 2, 2, 0, 1, 2, 2])
    i = np.array([0, 1, 0, 1, 0, 1, 0, 0, 0, 1])
    assert _complete.lost_items(q, a, i, 3).tolist() == [[1, 0, 1], [1, 1, 1]]
    # When no force keeps item 1, it was retired: nothing is lost.
    kept = ~((q == 1) & (i == 1))
    assert _complete.lost_items(q[kept], a[kept], i[kept], 3).tolist() == []
    # Nor when the quarter has fewer forces than the minimum.
    assert _complete.lost_items(q, a, i, 4).tolist() == []


@pytest.mark.parametrize("seed", range(6))
def test_distinct_small_is_numpy_unique(seed):
    rng = np.random.default_rng(seed)
    keys = rng.choice(np.array([20121, 20124, 20133, 20252, 20134]), size=int(rng.integers(1, 300)))
    order, inverse = distinct_small(keys)
    expected_order, expected_inverse = np.unique(keys, return_inverse=True)
    assert order.tolist() == expected_order.tolist() and inverse.tolist() == expected_inverse.tolist()
    wide = np.array([0, 5_000_000, 0])  # a wide range falls back to sorting
    assert [x.tolist() for x in distinct_small(wide)] == [[0, 5_000_000], [0, 1, 0]]


def random_keys(rng, n):
    return pd.DataFrame({
        "area_code": pd.array(rng.choice(["E23000017", "E23000016", "CIFAS", "W15000004"], n), dtype="str"),
        "period_end": pd.to_datetime(rng.choice(pd.to_datetime(["2024-06-30", "2024-09-30", "2023-12-31"]), n)),
        "offence_group": pd.array(rng.choice(["Robbery", "Drug offences", "Theft offences"], n), dtype="str"),
        "outcome_type": rng.integers(0, 4, n).astype("int64"),
        "count": rng.integers(-3, 500, n).astype("int64"),
    })


@pytest.mark.parametrize("seed", range(6))
def test_sums_by_sorted_runs_are_pandas_groupby_sums(seed):
    keys = random_keys(np.random.default_rng(seed), 200)
    expected = keys.groupby(list(keys.columns[:-1]), as_index=False, sort=True)["count"].sum()
    pd.testing.assert_frame_equal(_sum_sorted(keys), expected, check_exact=True)


@pytest.mark.parametrize("seed", range(6))
def test_row_ids_and_first_seen_are_pandas_duplicated_and_ngroup(seed):
    keys = random_keys(np.random.default_rng(seed), 150).drop(columns="count")
    ids = row_ids([keys[c] for c in keys.columns])
    assert pd.Series(ids).duplicated().tolist() == keys.duplicated().tolist()
    assert first_seen(ids).tolist() == keys.groupby(list(keys.columns), sort=False).ngroup().tolist()


def test_lookup_is_series_map():
    values = pd.Series(["Kent", "", "Surrey", "Kent", "Nowhere"], dtype="str")
    mapping = {"Kent": "E23000032", "Surrey": "E23000031"}
    looked = _lookup(values, mapping)
    assert looked.isna().tolist() == values.map(mapping).isna().tolist() == [False, True, False, False, True]
    assert looked.dropna().tolist() == values.map(mapping).dropna().tolist()


def table_of(rows: list[list[str]]) -> CsvTable:
    header = [f"closed_all_t{n}" for n in range(len(rows[0]))]
    return CsvTable("file.csv", header, rows, list(range(2, 2 + len(rows))))


def test_count_columns_read_in_one_pass_equal_int_cell_by_cell():
    rng = np.random.default_rng(7)
    rows = [[str(int(v)) for v in rng.integers(0, 10**6, 6)] for _ in range(50)]
    rows[3][2] = "007"
    rows[9][4] = "9" * 18  # the longest cell read in one pass
    table = table_of(rows)
    assert _counts(table, table.header).tolist() == [[int(c) for c in row] for row in rows]
    assert not table.problems


def test_a_column_with_other_cells_is_read_cell_by_cell_with_the_same_problems():
    rows = [["12", "-2", "3"], ["4", "5", "x"], ["6", "7", "8"]]
    table = table_of(rows)
    values = _counts(table, table.header)
    # A single outcome type may be negative (a net recording correction); 'x' is not a number, read as 0.
    assert values.tolist() == [[12, -2, 3], [4, 5, 0], [6, 7, 8]]
    assert [(p.line, p.column) for p in table.problems] == [(3, "closed_all_t2")]
    assert "'x'" in table.problems[0].message


def test_an_aggregate_code_beside_its_parts_is_named_in_each_force_and_quarter(tmp_path):
    text = gzip.decompress((HERE / "prc-pfa-sample.csv.gz").read_bytes()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    parts = {"1", "4.1", "4.10", "4.2"}
    # Which parts Warwickshire lists in 2013/14 quarters 1 and 3, read straight from the fixture's rows.
    listed = {q: sorted(r[6] for r in body if r[:3] == ["2013/14", q, "Warwickshire"] and r[6] in parts)
              for q in ("1", "3")}
    assert listed["1"] and listed["3"]
    added = [["2013/14", q, "Warwickshire", "Homicide", "Homicide", "Homicide", "1/4.1/4.10/4.2", "0"]
             for q in ("3", "1")]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body, *added])
    path = tmp_path / "aggregate-beside-parts.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    with pytest.raises(BadValueError) as caught:
        load_home_office_crime(path, load_forces())
    messages = [p.message for p in caught.value.problems]
    assert [p.line for p in caught.value.problems] == [len(body) + 2, len(body) + 3]
    for message, quarter in zip(messages, ("3", "1")):
        shown = ", ".join(repr(c) for c in listed[quarter])
        assert (f"the aggregate offence code '1/4.1/4.10/4.2' stands beside its parts {shown} in Warwickshire, "
                f"2013/14 quarter {quarter}") in message
