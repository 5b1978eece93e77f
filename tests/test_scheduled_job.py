"""The nightly job of docs/automation.md, run as written: first night writes everything, the next night skips.

The script is run by ``sh`` as a user's scheduler runs it; the ``crimestat`` it finds on its PATH runs each
command as a process of its own forked from a warm interpreter (tests/warm.py ``command_folder``), so that its
six runs do not each pay for starting Python. The installed command itself is run by tests/test_cli.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import warm
from conftest import ROOT

pytestmark = pytest.mark.slow  # end to end: the documented job's shell script, run as written

RECIPE = (ROOT / "docs" / "automation.md").read_text()


def test_the_documented_nightly_job_runs_and_then_skips(tmp_path):
    script = RECIPE.split("## Scheduled jobs", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    job = tmp_path / "crimestat-nightly.sh"
    job.write_text(script)
    bin_dir = Path(sys.executable).parent
    path = os.pathsep.join([warm.command_folder(), str(bin_dir), os.environ.get("PATH", "")])
    env = dict(os.environ, CRIMESTAT_JOB_DIR=str(tmp_path / "out"), CRIMESTAT_JOB_FORCES="warwickshire",
               PATH=path, XDG_DATA_HOME=str(tmp_path / "xdg"))
    first = subprocess.run(["sh", str(job)], capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    out = tmp_path / "out"
    written = sorted(p.name for p in out.iterdir())
    assert [n for n in written if n.endswith(".csv")] and [n for n in written if n.endswith(".xlsx")]
    assert (out / "last-release").read_text() == "home-office-2026-04\n"  # the newest shipped release
    assert sorted(p.name for p in (out / "reports").iterdir()) == ["warwickshire-2025-12.html"]
    assert (out / [n for n in written if n.endswith(".csv")][0]).read_text().startswith("area_code,")
    second = subprocess.run(["sh", str(job)], capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 0
    assert "no release newer than home-office-2026-04" in second.stdout
    assert sorted(p.name for p in out.iterdir()) == written  # nothing new written
