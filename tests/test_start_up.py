"""What a fresh `crimestat` process imports on the paths that need little: every test that starts the program
as a real process, and every user's `--version` or `forces`, pays for each module the path imports.

Each run is a fresh interpreter (the point of the test: which modules a new process loads), with a cache
folder of its own. A cached `compare` needing no pandas is checked in tests/test_scripts.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"

SCRIPT = """
import sys
from crimestat.cli import main
try:
    main(sys.argv[1:], prog_name="crimestat")
except SystemExit as stop:
    code = stop.code
names = ("numpy", "pandas", "importlib.metadata")
print("exit=" + str(code), *(f"{name}={name in sys.modules}" for name in names), file=sys.stderr)
"""


def _run(tmp_path, *args) -> tuple[str, dict[str, str]]:
    """stdout, and the exit code and modules the script reports at the end of stderr."""
    env = dict(os.environ, CRIMESTAT_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, env=env)
    return done.stdout, dict(word.split("=", 1) for word in done.stderr.split()[-4:])


def test_version_and_forces_import_neither_numpy_nor_pandas(tmp_path):
    out, found = _run(tmp_path, "--version")
    assert out == "crimestat, version 0.2.0\n"  # pyproject.toml's version (read from crimestat/version.py)
    assert found == {"exit": "0", "numpy": "False", "pandas": "False", "importlib.metadata": "False"}
    out, found = _run(tmp_path, "forces", "--format", "csv")
    assert "Warwickshire" in out  # the packaged registry (crimestat/data/forces.csv)
    assert found == {"exit": "0", "numpy": "False", "pandas": "False", "importlib.metadata": "False"}


def test_validating_a_file_that_fails_does_not_import_pandas(tmp_path):
    """The ONS file's line 3 has 'five' for a count (the fixture's own text); the problem is found while the
    rows are read, before any frame is built, so pandas (half a second) is never imported."""
    out, found = _run(tmp_path, "validate", str(DATA / "bad" / "non-numeric-count.csv"))
    assert "line 3, column 'Rolling year total number of offences': 'five' is not a number" in out
    assert found["exit"] == "1" and found["pandas"] == "False"
