"""Integrity is not optional: every file of a release is checked against its manifest on every path, the
manifest's paths stay inside the release folder, and a file named in place of the release's is labelled as
what it is."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import SAMPLE

CHANGED = "differs from its release's manifest"


@pytest.fixture
def releases(tmp_path):
    """A copy of the shipped releases, to damage."""
    shutil.copytree(SAMPLE / "releases", tmp_path / "releases")
    return tmp_path


def _cut_crime_file(release, forces: tuple[str, ...]):
    """The copied release's crime file cut to the rows of these forces (its header and their rows, verbatim),
    the manifest's digest for it made to match: a release as consistent as the shipped one, for tests about
    other files or about where output goes, whose crime file parses in a fraction of the whole file's time
    (a copy is parsed afresh, never served from the cache of the shipped file)."""
    import gzip
    import hashlib

    from conftest import home_office_lines, ons_crime_rows

    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    (entry,) = (f for f in manifest["files"] if f["role"] == "crime")
    path = release / entry["path"]
    if path.name.endswith(".gz"):
        lines = home_office_lines()
        keep = tuple(f",{name}," for name in forces)
        text = lines[0] + "".join(line for line in lines[1:] if any(k in line for k in keep))
        path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    else:
        path.write_text(ons_crime_rows(forces), encoding="utf-8")
    entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (release / "release.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _bump_last_number(path, line_number=2):
    """One real row's last figure increased by 1: a changed file that still parses."""
    lines = path.read_text(encoding="utf-8").splitlines(True)
    head, _, last = lines[line_number - 1].rstrip("\n").rpartition(",")
    lines[line_number - 1] = f"{head},{int(last) + 1}\n"
    path.write_text("".join(lines), encoding="utf-8")


def test_population_read_through_a_lookup_is_still_checked(run, releases):
    _cut_crime_file(releases / "releases" / "home-office-2026-04", ("Cumbria",))
    _bump_last_number(releases / "releases" / "home-office-2026-04" / "pfa-population-mid2011-mid2024.csv", 3)
    out = run("compare", "--force", "cumbria", "--data-dir", releases, "--la-lookup",
              SAMPLE / "population" / "lad23-csp23-pfa23-lookup-dec2023.csv", "-q")
    assert out.exit_code == 1
    assert CHANGED in out.stderr and "pfa-population-mid2011-mid2024.csv" in out.stderr


def test_revisions_and_validate_refuse_a_changed_release_file(run, releases):
    _bump_last_number(releases / "releases" / "ons-2019" / "rec-crime-pfa.csv")
    out = run("revisions", "--force", "warwickshire", "--to", "2018-12", "--data-dir", releases, "-q")
    assert out.exit_code == 1 and CHANGED in out.stderr
    for args in (["--release", "ons-2019"], [releases / "releases" / "ons-2019" / "rec-crime-pfa.csv"]):
        out = run("validate", "--data-dir", releases, *args, "--format", "csv")
        assert out.exit_code == 1
        assert CHANGED in out.stdout


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links are not available")
def test_a_link_out_of_the_release_folder_is_refused(run, releases, tmp_path):
    folder = releases / "releases" / "ons-2019"
    outside = tmp_path / "elsewhere.csv"
    shutil.copy(folder / "hmic-2014-published.csv", outside)
    (folder / "hmic-2014-published.csv").unlink()
    (folder / "hmic-2014-published.csv").symlink_to(outside)
    out = run("compare", "--force", "warwickshire", "--data-dir", releases, "--release", "ons-2019", "-q")
    assert out.exit_code == 1
    assert "leads outside the release folder" in out.stderr


def test_a_deeply_nested_manifest_is_one_clear_error(run, releases):
    manifest = releases / "releases" / "ons-2019" / "release.json"
    manifest.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    out = run("releases", "--data-dir", releases)
    assert out.exit_code == 1
    assert "nested too deeply" in out.stderr and "Traceback" not in out.output


def test_a_crime_file_of_another_release_is_labelled_as_that_release_s(run, tmp_path):
    # The file under another name: a link to the shipped file (the release is found by the file's digest, as
    # for a copy, and the figures come from the cache of the shipped file rather than a parse of a copy).
    copy = tmp_path / "counts.csv"
    copy.symlink_to(SAMPLE / "releases" / "ons-2019" / "rec-crime-pfa.csv")
    out = run("compare", "--force", "warwickshire", "--crime", copy, "--format", "markdown", "-q")
    assert out.exit_code == 0, out.output
    assert "Crime: counts.csv (a file of release ons-2019, not of home-office-2026-04)." in out.stdout
    manifest = json.loads((SAMPLE / "releases" / "ons-2019" / "release.json").read_text(encoding="utf-8"))
    assert any(f["path"] == "rec-crime-pfa.csv" for f in manifest["files"])


def test_inputs_found_inside_folders_are_never_written_over(run, releases, tmp_path):
    _cut_crime_file(releases / "releases" / "ons-2019", ("Kent",))
    manifest = releases / "releases" / "ons-2019" / "release.json"
    before = manifest.read_bytes()
    out = run("compare", "--force", "kent", "--data-dir", releases, "--release", "ons-2019", "--output", manifest)
    assert out.exit_code == 2 and "is one of this run's input files" in out.stderr
    assert manifest.read_bytes() == before
    street = tmp_path / "police-uk"
    shutil.copytree(SAMPLE / "police-uk", street)
    target = street / "2014-01" / "2014-01-warwickshire-street.csv"
    kept = target.read_bytes()
    out = run("ingest", "police-uk", street, "--output", target)
    assert out.exit_code == 2 and "is one of this run's input files" in out.stderr
    assert target.read_bytes() == kept


@pytest.mark.skipif(not hasattr(os, "lchown") or os.geteuid() != 0, reason="needs a link owned by another user")
def test_another_users_link_is_not_written_through(run, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "out.csv"
    link.symlink_to(victim)
    os.lchown(link, 12345, 12345)  # as if planted by another user in a shared folder
    out = run("compare", "--force", "kent", "--output", link, "-q")
    assert out.exit_code == 1 and "symbolic link owned by another user" in out.stderr
    assert victim.read_text() == "precious"
