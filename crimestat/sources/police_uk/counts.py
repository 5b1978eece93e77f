"""Counting many files (on worker processes) and the monthly counts the police.uk source loads."""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from ...errors import CrimestatError, DataFileError, Problem
from ...loaders._csv import Source, parse_number, read_csv, read_header
from ...model.forces import Registry
from ...runtime import signals
from .careful import FileCounts, _crime_types, count_file
from .files import NAME, StreetFile, find_files


def count_archive(paths: list[str], registry: Registry, workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> FileCounts:
    """Count every file under ``paths``, file by file, on up to ``workers`` processes (default: all cores).

    Any problem in any file fails the whole count with one ``DataFileError`` listing them: a partial
    count is a wrong figure. A worker process that dies (killed, out of memory) is one clear error too.
    """
    ignored: list[str] = []
    files = find_files(paths, ignored)
    total = FileCounts(ignored=ignored)
    seen: dict[tuple[str, str], str] = {}  # (force code, month) -> the file that gave it

    def add(file: StreetFile, counted: FileCounts) -> None:
        # The same month of a force read twice (a folder and a zip of it, say) would count it twice.
        for code, month in sorted({(c, m) for c, m, _ in counted.counts}):
            if (code, month) in seen:
                counted.problems.append(Problem(file.name, f"{registry.by_code(code).name} {month} is also in "
                                                           f"{seen[(code, month)]}; give each month of a force once"))
            seen.setdefault((code, month), file.name)
        total.add(counted)

    workers = min(workers or os.cpu_count() or 1, len(files))
    if workers > 1:
        for done, (file, counted) in enumerate(_count_in_pool(files, workers, registry), start=1):
            add(file, counted)
            if progress:
                progress(done, len(files))
    else:
        _keep_freed_memory()
        for done, file in enumerate(files, start=1):
            add(file, _count_caught(file, registry))
            if progress:
                progress(done, len(files))
    if total.problems:
        raise DataFileError(total.problems)
    return total


def _count_caught(file: StreetFile, registry: Registry) -> FileCounts:
    """``count_file``, with a file's error returned as its problems, so the other files still report theirs."""
    try:
        return count_file(file, registry)
    except DataFileError as exc:
        return FileCounts(files=1, problems=exc.problems)
    except CrimestatError as exc:
        return FileCounts(files=1, problems=[Problem(file.name, str(exc))])


def _count_in_pool(files: list[StreetFile], workers: int, registry: Registry) -> Iterator[tuple[StreetFile, FileCounts]]:
    """Count files on ``workers`` processes, in order, a few batches in flight per worker.

    Files go to the workers in small batches (enough to keep inter-process traffic well below the
    counting, few enough that a large file does not hold up much behind it). Errors travel back as
    problems inside ``FileCounts`` (an exception would be pickled as its text only); a worker that dies
    is one ``DataFileError`` naming the files it may have been counting.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # fork shares the parent's imports (numpy, the registry, the classification): a worker starts in
    # milliseconds. Where fork is unavailable, spawn works the same, only slower to start.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    _crime_types()
    size = max(1, min(16, len(files) // (workers * 8)))
    batches = [files[i:i + size] for i in range(0, len(files), size)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                             initializer=_start_worker, initargs=(registry,)) as pool:
        queue: deque = deque()
        batch: list[StreetFile] = []
        try:
            for batch in batches:
                queue.append((batch, pool.submit(_count_in_worker, batch)))
                if len(queue) >= 3 * workers:
                    signals.ready("pool")  # workers started, work queued, more still to submit
                    batch, future = queue.popleft()
                    yield from zip(batch, future.result())
            signals.ready("pool")  # (fewer batches than the queue holds: all of them queued)
            while queue:
                batch, future = queue.popleft()
                yield from zip(batch, future.result())
        except BrokenProcessPool:
            names = [f.name for f in batch]
            raise DataFileError.single(
                names[0], "a worker process stopped while counting this file"
                + (f" or the {len(names) - 1} after it" if len(names) > 1 else "")
                + " (killed, or out of memory?); nothing was written. Run again, or with --workers 1") from None
        except BaseException:
            # SIGTERM or Ctrl-C (raised here by the CLI's handlers), or the caller giving up: the queued
            # batches are cancelled and the workers stopped now, not after every file has been counted.
            _stop_pool(pool)
            raise


def _stop_pool(pool) -> None:
    """Stop a pool at once: its queued work cancelled, its workers terminated and reaped, its manager
    thread ended.

    The workers and the manager thread are taken before ``shutdown``, which forgets them. The manager
    thread is joined last, so that it has closed its wake-up pipe before the interpreter exits: Python's
    exit hook for process pools (``_python_exit``) writes to that pipe without the lock the thread
    closes it under, and a close between the two prints "Exception ignored ... Bad file descriptor"
    after the program's one line (a race CPython fixed in later releases, gh-125451). Once the thread
    has ended, the hook finds the pipe closed and writes nothing.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)  # gone (and reaped) before the program's one line and exit code
    if manager is not None:
        manager.join(5)  # it sees the workers gone and ends; bounded, should a worker die mid-result


def _start_worker(registry: Registry) -> None:
    import signal

    # The parent stops the workers (Ctrl-C reaches the whole process group; the parent's handler decides),
    # and a worker sent SIGTERM ends at once: the CLI's handlers, inherited by fork, are not theirs.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    global _REGISTRY
    _REGISTRY = registry  # with fork, the parent's own object: nothing loaded or sent
    _keep_freed_memory()


def _keep_freed_memory() -> None:
    """Ask glibc's allocator to keep freed memory for reuse instead of handing it back at once.

    Counting allocates and frees numpy temporaries of some hundreds of kilobytes for every block. By
    default glibc returns the top of its heap to the system when they are freed and the next block
    faults the same pages in again: some 300,000 page faults a gigabyte, as much system time as reading
    the files. Keeping 64 MiB of freed heap (M_TOP_PAD) is far more than a block needs, and memory that
    was never used is not kept. Where the C library is not glibc, nothing changes.
    """
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-2, 64 << 20)  # -2: M_TOP_PAD
    except (OSError, AttributeError):
        pass


def _count_in_worker(files: list[StreetFile]) -> list[FileCounts]:
    assert _REGISTRY is not None
    return [_count_caught(file, _REGISTRY) for file in files]


_REGISTRY: Registry | None = None


def iter_counts(counts: FileCounts, registry: Registry) -> Iterator[tuple[str, str, str, str, int]]:
    """Rows ``area_code, area, month, crime_type, count`` in a stable order."""
    names = {code: registry.by_code(code).name for code in {c for c, _, _ in counts.counts}}
    for (code, month, crime), n in sorted(counts.counts.items()):
        yield code, names[code], month, crime, n


MONTHLY_COLUMNS = ["area_code", "area", "month", "crime_type", "count"]


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def load_monthly_counts(paths: list[str], registry: Registry):
    """Monthly counts ``area_code, month, category, count`` from an ingest CSV or from police.uk files."""
    import pandas as pd

    if len(paths) == 1 and Path(paths[0]).is_file() and not NAME.search(paths[0]) and \
            read_header(paths[0])[:1] == ["area_code"]:
        return load_counts_csv(paths[0], registry)
    counts = count_archive(paths, registry)
    frame = pd.DataFrame([(code, month, crime, n) for (code, month, crime), n in sorted(counts.counts.items())],
                         columns=["area_code", "month", "category", "count"])
    frame = frame.groupby(["area_code", "month", "category"], as_index=False)["count"].sum()
    _warn_out_of_line(frame, None, ", ".join(paths))
    return frame


def load_counts_csv(source: Source, registry: Registry):
    """An ``ingest police-uk`` CSV (``area_code, area, month, crime_type, count``) as monthly counts.

    Each force, month and crime type appears once: a second row (two ingest outputs joined with
    overlapping months, say) would count those crimes twice, so it is an error, not a sum.
    """
    import pandas as pd

    from datetime import date

    table = read_csv(source, MONTHLY_COLUMNS)
    known = _crime_types()
    by_key = {" ".join(k.split()).casefold(): k for k in known}  # the one rule for keys: case and spacing
    this_month = f"{date.today():%Y-%m}"
    records = []
    first: dict[tuple[str, str, str], int] = {}
    for r, row in enumerate(table.rows):
        code, _, month, crime, count = (row[table.index(c)].strip() for c in MONTHLY_COLUMNS)
        force = registry.find(code)
        if force is None:
            table.problem(f"'{code}' is not a known force code", r, "area_code")
        if not _MONTH.match(month):
            table.problem(f"'{month}' is not a month; expected YYYY-MM", r, "month")
        elif month >= this_month:
            table.problem(f"'{month}' has not ended (today is {date.today():%d %B %Y}); expected months that have "
                          "ended", r, "month")
        crime = by_key.get(" ".join(crime.split()).casefold(), crime)
        if crime not in known:
            table.problem(f"'{crime}' is not a police.uk crime type", r, "crime_type")
        n = parse_number(table, r, "count", count, minimum=0, what="a whole number of 0 or more")
        if force is not None:
            key = (force.code, month, crime)
            if key in first:
                table.problem(f"a second row for {force.name}, {month}, {crime} (first on line "
                              f"{table.lines[first[key]]}); each appears once", r)
            first.setdefault(key, r)
        records.append((force.code if force else None, month, crime, n))
    table.raise_problems()
    frame = pd.DataFrame(records, columns=["area_code", "month", "category", "count"])
    _warn_out_of_line(frame, table)
    return frame


def _warn_out_of_line(frame, table, name: str = "") -> None:
    """The out-of-line rule of every count source (one wording, naming the line): a month's count eight
    times or more away from the same force and crime type's months either side."""
    import numpy as np

    from ...loaders._series import grouped_outliers, out_of_line_message
    from ...runtime.log import warn

    if frame.empty:
        return
    group = frame.groupby(["area_code", "category"], sort=False).ngroup().to_numpy()
    order = np.lexsort((frame["month"].to_numpy(), group))
    counts = frame["count"].to_numpy()[order]
    for n, i in enumerate(grouped_outliers(group[order], counts).tolist()):
        if n >= 20:
            break
        r = int(order[i])
        around = [int(counts[j]) for j in (i - 1, i + 1) if 0 <= j < len(order) and group[order[j]] == group[r]]
        place = f"{table.name}, line {table.lines[r]}" if table is not None else f"{name} (street-level files)"
        warn(out_of_line_message(place, int(counts[i]),
                                 f"{frame['category'].iat[r]} for {frame['area_code'].iat[r]} in {frame['month'].iat[r]}",
                                 around))
