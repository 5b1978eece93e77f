from __future__ import annotations

import functools
import gzip
import os
import sys
from pathlib import Path

# Some machines set PYTHONDONTWRITEBYTECODE: then every `python -m crimestat` a test starts compiles the whole
# package again. Let the suite keep bytecode, as an installed crimestat would have it.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
# As the command line does (crimestat/cli/__init__.py), before any test module imports numpy: one OpenBLAS
# thread in the test workers, and in the processes they start.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# No property test depends on the machine's speed: hypothesis's per-example time limit (200 ms) would fail a
# correct test on a busy CI machine, and its "too slow" health check likewise.
settings.register_profile("crimestat", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("crimestat")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
BAD = DATA / "bad"


@pytest.fixture(scope="session")
def dataset():
    """The shipped sample data, loaded once for the whole suite."""
    from crimestat.dataset import DataPaths, load_dataset

    return load_dataset(DataPaths(SAMPLE, release="ons-2019"))


@pytest.fixture
def run():
    """Run the CLI as a user would; returns click's Result (exit_code, stdout, stderr)."""
    from click.testing import CliRunner

    from crimestat.cli import main

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False,
                                  prog_name="crimestat")

    return invoke


@pytest.fixture(autouse=True)
def fresh_logger():
    """The CLI configures the 'crimestat' logger; give each test an unconfigured one."""
    import logging

    from crimestat.runtime import log

    yield
    log.reset()
    logger = logging.getLogger("crimestat")
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch):
    """Tables are fitted to $COLUMNS when set: tests see the width a pipe or a file gets (80), whatever the
    developer's shell exports."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory):
    """Tests never touch the user's cache folder. The workers of one run share one folder (each shipped
    release is parsed once per run, not once per worker; the cache is made for concurrent use); tests that
    are about the cache or about a first read give themselves a folder of their own."""
    import os

    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.getbasetemp().parent / "cache"  # the run's folder, above each worker's own
        # Made here, empty, so that every worker resolves it the same way (crimestat keeps its cache in a
        # 'crimestat' folder inside a folder it did not make), whichever worker stores an entry first.
        folder.mkdir(exist_ok=True)
    else:
        folder = tmp_path_factory.mktemp("cache")
    os.environ["CRIMESTAT_CACHE_DIR"] = str(folder)
    yield


def scipy_normal():
    """scipy's standard normal distribution as ``stats.norm`` (sf, cdf, ppf, pdf), from ``scipy.special``:
    scipy.stats.norm computes each with these same functions (scipy/stats/_continuous_distns.py: ``_norm_cdf``
    is ``special.ndtr``, ``_norm_sf(x)`` is ``ndtr(-x)``, ``_norm_ppf`` is ``special.ndtri``, ``_norm_pdf(x)``
    is ``exp(-x**2/2) / sqrt(2*pi)``). Importing scipy.stats itself costs about 0.5-0.7 CPU-s in each test
    worker that does, more than the tests that use it."""
    from types import SimpleNamespace

    import numpy as np
    from scipy import special

    norm = SimpleNamespace(cdf=special.ndtr, sf=lambda x: special.ndtr(-np.asarray(x, dtype=float)),
                           ppf=special.ndtri, pdf=lambda x: np.exp(-np.asarray(x, dtype=float) ** 2 / 2.0)
                           / np.sqrt(2 * np.pi))
    return SimpleNamespace(norm=norm)


ONS_CRIME = SAMPLE / "releases/ons-2019/rec-crime-pfa.csv"
HOME_OFFICE_TABLE = SAMPLE / "releases/home-office-2026-04/prc-pfa-mar2013-onwards-tables-230426.csv.gz"


@functools.cache
def home_office_lines() -> tuple[str, ...]:
    """The shipped Home Office table's lines, each with its line break, decompressed once per process for the
    tests that cut files from it or sum its raw rows (every line of the table starts with its financial year,
    and a force's rows name it between commas, never quoted; no field spans lines)."""
    return tuple(gzip.decompress(HOME_OFFICE_TABLE.read_bytes()).decode("utf-8").splitlines(True))


def ons_crime_rows(forces: tuple[str, ...]) -> str:
    """The shipped ONS 2019 crime file (sample_data/releases/ons-2019/rec-crime-pfa.csv) cut to the rows of
    the named forces: its header and those rows, verbatim and in order (real published rows, nothing made
    up). A force's figures from it are the shipped file's; only the other forces are missing."""
    lines = ONS_CRIME.read_text(encoding="utf-8").splitlines(keepends=True)
    keep = tuple(f",{name}," for name in forces)
    return lines[0] + "".join(line for line in lines[1:] if any(k in line for k in keep))


@pytest.fixture(scope="session")
def warwickshire_crime(tmp_path_factory):
    """A small crime file of real rows for tests about the cache or about files, not about the figures of
    all forces: the shipped ONS 2019 file's header and its 1,054 Warwickshire rows, verbatim. Parsing it
    costs a small part of the whole file's 46,469 rows; Warwickshire's figures are the shipped file's.
    Tests copy it before changing it."""
    path = tmp_path_factory.mktemp("warwickshire-crime") / "rec-crime-pfa-warwickshire.csv"
    path.write_text(ons_crime_rows(("Warwickshire",)), encoding="utf-8")
    path.chmod(0o444)  # shared by the tests of a worker: read-only, so that none changes it in place
    return path


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_make_collect_report(collector):
    """Each test worker collects every test file, and on a first run (a clean checkout, as in CI) pytest
    rewrites each file's asserts and compiles it as it imports it (about 1.2 s of work a worker for the whole
    suite, and 0.4 s more for crimestat's own modules), writing the result beside it for later runs. Workers
    that started together would each do all of it, file by file in the same order. So worker k of n collects
    the files of the tests folder from the k-th n-th of its list on, wrapping round: each compiles its own
    share and finds the rest already written by the others (the first test about 0.7-1.4 s sooner from a
    clean clone, measured on two cores). It is pytest's own collection of the same files, in another order
    (what --ignore or --lf leave out is left out, --lf's files still come first): the tests, their ids and
    their order are unchanged (``pytest_collection_modifyitems`` below orders them, by file name in the end),
    and on a later run nothing is compiled."""
    report = yield
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if (worker.startswith("gw") and count > 1 and isinstance(collector, pytest.Dir)
            and collector.path == TESTS and report.result):
        start = int(worker[2:]) * len(report.result) // count
        report.result = report.result[start:] + report.result[:start]
    return report


def pytest_collection_modifyitems(items):
    """The order in which the workers take test files (pyproject: ``--dist loadfile --no-loadscope-reorder``):
    the end-to-end files (marked ``slow``) first, then the others from the most work to the least, so that
    the run ends on small files and the two workers finish together. A file's work is counted as its tests,
    a property test's examples as a tenth of a test each (a file of five hypothesis tests, 570 examples, took
    2 s and was taken last of all). (pytest-xdist's own order, by number of tests alone, left a one-test
    end-to-end file, the nightly job, for last: the run waited three seconds on one worker while the other
    was idle.)"""
    per_file: dict[str, float] = {}
    slow: set[str] = set()
    for item in items:
        function = getattr(item, "function", None)
        work = 1.0
        if getattr(function, "is_hypothesis_test", False):
            found = getattr(function, "_hypothesis_internal_use_settings", None)
            work += getattr(found, "max_examples", 100) / 10
        per_file[item.path.name] = per_file.get(item.path.name, 0.0) + work
        if item.get_closest_marker("slow"):
            slow.add(item.path.name)
    items.sort(key=lambda item: (item.path.name not in slow, -per_file[item.path.name], item.path.name))


def pytest_collection_finish(session):
    """Python's cyclic garbage collector, tuned for a test process: what is alive once the tests are collected
    (pytest, the test modules, crimestat, numpy) lives to the end, so it is left out of every collection
    (``gc.freeze``), and the youngest generation is collected after 7,000 allocations instead of 700. A worker
    spent 1-2 s of the run in collections that found next to nothing, a full collection (0.1 s with 200,000
    objects) nine times; afterwards about 0.5 s. Nothing a test checks depends on when garbage is collected."""
    import gc

    gc.freeze()
    gc.set_threshold(7000, 10, 10)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    """At the end of a run pytest collects garbage five times over (to show an exception raised in a finalizer
    that only a collection runs), each a pass over every object still alive: about 0.3 s in a test worker and
    0.2 s in the controller, on the run's last moments, with one core idle. When every test passed, here,
    once the session is over and every fixture torn down (after pytest's own session end, which tears down
    what a run stopped early left), the tests' garbage is collected pass after pass until one finds nothing (a
    pass that finds nothing runs no finalizer, so the next could find nothing new); what is still alive then is
    frozen, and pytest's five passes, over only what is made afterwards, take milliseconds. A run in which a
    test failed (or raised at all) is left as pytest has it: the exception's frames keep that test's fixture
    values alive to the end, and their finalizers must still run and be heard."""
    import gc

    if session.testsfailed or getattr(sys, "last_value", None) is not None:
        return
    for _ in range(5):
        if not gc.collect():
            break
    gc.freeze()
