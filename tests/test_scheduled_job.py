"""The README's nightly job, run as written: first night writes everything, the next night skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

README = (ROOT / "docs/automation.md").read_text()  # the documented nightly job


def test_the_readme_nightly_job_runs_and_then_skips(tmp_path):
    script = README.split("## Scheduled jobs", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    job = tmp_path / "crimestat-nightly.sh"
    job.write_text(script)
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, CRIMESTAT_JOB_DIR=str(tmp_path / "out"), CRIMESTAT_JOB_FORCES="warwickshire",
               PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    first = subprocess.run(["sh", str(job)], capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    out = tmp_path / "out"
    written = sorted(p.name for p in out.iterdir())
    assert [n for n in written if n.endswith(".csv")] and [n for n in written if n.endswith(".xlsx")]
    assert (out / "last-period").read_text() == "2025-12\n"
    assert sorted(p.name for p in (out / "reports").iterdir()) == ["warwickshire-2025-12.html"]
    assert (out / [n for n in written if n.endswith(".csv")][0]).read_text().startswith("area_code,")
    second = subprocess.run(["sh", str(job)], capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 0
    assert "no new data after 2025-12" in second.stdout
    assert sorted(p.name for p in out.iterdir()) == written  # nothing new written
