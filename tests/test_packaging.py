"""What a wheel carries: every crimestat package, the packaged data and the shipped releases."""

from __future__ import annotations

import tomllib

from conftest import ROOT


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_is_listed_for_the_wheel():
    # The package list is explicit (so that sample_data can ride along as crimestat.sample_data): a new
    # subpackage left out of it would be missing from `pip install .` and pipx installs.
    found = {".".join(p.relative_to(ROOT).parent.parts) for p in (ROOT / "crimestat").rglob("__init__.py")}
    assert found <= set(_setuptools()["packages"])


def test_the_shipped_releases_travel_in_the_wheel():
    config = _setuptools()
    assert config["package-dir"]["crimestat.sample_data"] == "sample_data"
    patterns = config["package-data"]["crimestat.sample_data"]
    releases = sorted(p.relative_to(ROOT / "sample_data").as_posix()
                      for p in (ROOT / "sample_data" / "releases").glob("*/*"))
    assert releases and all(any(__import__("fnmatch").fnmatch(r, pat) for pat in patterns) for r in releases)
