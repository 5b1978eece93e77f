"""Benchmark the cold parse of the shipped input files against the old way, and check they agree.

    python3 benchmarks/parse_benchmark.py             # 7 runs each, the median
    python3 benchmarks/parse_benchmark.py --runs 3

"The old way" is the code as it was at commit b3f35b6 (before the parsers were made faster), read with
``git show`` and loaded beside the current code: the ONS crime parser (``sources/ons/parser.py``), the CSV
reader (``loaders/_csv.py``), the forces registry's suggestions (``model/forces.py``) and the classification
loader (``loaders/classification.py``). Each is timed in the same run as its current version, on the shipped
files (the median of ``--runs``), and the ratio printed. Before timing, each pair is checked to agree: the
same DataFrame (``pandas.testing.assert_frame_equal``), the same warnings in the same order, the same rows and
line numbers, the same suggestions, the same classification; and the same results, error messages and
warnings on every file in ``tests/data/bad`` and the shipped ONS files (each given to the ONS parser and to
the CSV reader). Needs a git checkout.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OLD = "b3f35b6"
ONS = ROOT / "sample_data/releases/ons-2019"
CRIME = ONS / "rec-crime-pfa.csv"
BAD = ROOT / "tests/data/bad"


def _old_module(path: str, name: str, package: str, replace: dict[str, str] | None = None) -> types.ModuleType:
    """The file at ``path`` as it was at ``OLD``, loaded as module ``name`` inside ``package`` (so that its
    relative imports find the current modules, except those ``replace`` points at old copies)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{OLD}:{path}"], check=True, capture_output=True,
                            text=True).stdout
    for old, new in (replace or {}).items():
        assert old in source, (path, old)
        source = source.replace(old, new)
    module = types.ModuleType(name)
    module.__package__ = package
    module.__file__ = f"{OLD}:{path}"
    sys.modules[name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _outcome(fn, *args):
    """What ``fn(*args)`` gives: its result (or its error's class and message) and the warnings it gave."""
    from crimestat.runtime.log import collecting

    with collecting() as warnings:
        try:
            result = ("ok", fn(*args))
        except Exception as exc:  # noqa: BLE001 - compared, not handled
            result = ("error", type(exc).__name__, str(exc))
    return result, list(warnings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    import pandas as pd

    import crimestat.loaders._csv as new_csv
    from crimestat.loaders.forces import load_forces
    from crimestat.model.forces import Registry
    from crimestat.runtime import log
    from crimestat.sources.ons import parser as new_ons

    log.configure(quiet=True)
    old_csv = _old_module("crimestat/loaders/_csv.py", "crimestat.loaders._old_csv", "crimestat.loaders")
    old_ons = _old_module("crimestat/sources/ons/parser.py", "crimestat.sources.ons._old_parser",
                          "crimestat.sources.ons", {"from ...loaders._csv import": "from ...loaders._old_csv import"})
    old_forces = _old_module("crimestat/model/forces.py", "crimestat.model._old_forces", "crimestat.model")
    old_classification = _old_module("crimestat/loaders/classification.py", "crimestat.loaders._old_classification",
                                     "crimestat.loaders", {"from ._csv import": "from ._old_csv import"})
    from crimestat.loaders.classification import load_classification
    registry = load_forces()
    old_registry = old_forces.Registry(list(registry.forces))

    # --- agreement -------------------------------------------------------------------------------------
    old_result, old_warnings = _outcome(old_ons.load_ons_crime, CRIME, old_registry)
    new_result, new_warnings = _outcome(new_ons.load_ons_crime, CRIME, registry)
    assert old_result[0] == new_result[0] == "ok", (old_result[:3], new_result[:3])
    pd.testing.assert_frame_equal(new_result[1], old_result[1], check_exact=True)
    assert new_warnings == old_warnings, (new_warnings, old_warnings)
    checked = 1
    for path in sorted(BAD.glob("*.csv")) + sorted(ONS.glob("*.csv")):
        for required in ((), new_ons.REQUIRED):
            old = _outcome(lambda p, r: _table(old_csv.read_csv(p, r)), path, required)
            new = _outcome(lambda p, r: _table(new_csv.read_csv(p, r)), path, required)
            assert old == new, (path, required, old, new)
        old = _outcome(old_ons.load_ons_crime, path, old_registry)
        new = _outcome(new_ons.load_ons_crime, path, registry)
        assert old[0][0] == new[0][0] and old[1] == new[1], (path, old, new)
        if old[0][0] == "ok":
            pd.testing.assert_frame_equal(new[0][1], old[0][1], check_exact=True)
        else:
            assert old[0] == new[0], (path, old[0], new[0])
        checked += 1
    names = sorted({n for f in registry.forces for n in (f.name, *f.aliases) if n})
    unknown = ["Avon and Somerest", "Metropolitan", "Thames Vally", "Devon Cornwall", "Nowhere", "x", "",
               "Gloucester", "Greater Manchster", "Dyfed-Powis"] + [n[::-1] for n in names[:40]] + [n[:-2] for n in names]
    assert [registry.suggest(n) for n in unknown] == [old_registry.suggest(n) for n in unknown]
    assert load_classification() == old_classification.load_classification()
    print(f"agree: the ONS crime file's DataFrame and warnings, {checked - 1} other files (ONS parser and CSV "
          f"reader: results, errors and warnings), {len(unknown)} suggestions, the packaged classification")

    # --- timings -----------------------------------------------------------------------------------------
    rows = []

    def compare(what: str, old, new) -> None:
        t_old, t_new = _median(old, runs), _median(new, runs)
        rows.append((what, t_old, t_new))
        print(f"{what:<52} old {t_old * 1000:8.1f} ms   new {t_new * 1000:8.1f} ms   {t_old / t_new:6.1f}x",
              flush=True)

    compare("ONS crime file, cold parse (46,469 rows)",
            lambda: old_ons.load_ons_crime(CRIME, old_registry), lambda: new_ons.load_ons_crime(CRIME, registry))
    compare("read_csv of the same file",
            lambda: old_csv.read_csv(CRIME, new_ons.REQUIRED), lambda: new_csv.read_csv(CRIME, new_ons.REQUIRED))
    small = [p for p in sorted(ONS.glob("*.csv")) if p != CRIME]
    compare(f"read_csv, the {len(small)} other ONS files",
            lambda: [old_csv.read_csv(p, ()) for p in small], lambda: [new_csv.read_csv(p, ()) for p in small])
    compare(f"suggest, {len(unknown)} unknown names (first call each)",
            lambda: [old_forces.Registry(list(registry.forces)).suggest(n) for n in unknown],
            lambda: [Registry(list(registry.forces)).suggest(n) for n in unknown])
    compare("load_classification (the packaged files)", old_classification.load_classification,
            load_classification)
    fresh = Registry(list(registry.forces))
    compare(f"suggest, the same {len(unknown)} names again",
            lambda: [old_registry.suggest(n) for n in unknown], lambda: [fresh.suggest(n) for n in unknown])


def _table(table):
    return table.name, table.header, table.rows, table.lines, [str(p) for p in table.problems]


if __name__ == "__main__":
    main()
