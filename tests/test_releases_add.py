"""`crimestat releases add` / `remove`, `--if-newer-than RELEASE` and the stray-folder warning.

Files come from the shipped ONS 2019 release (real data); a "revised" crime file is that release's crime file cut
to Warwickshire's rows (conftest `warwickshire_crime`: real rows, verbatim; a release need not have every force,
England and Wales are then not available, with the reason) with one count raised by 120 (Warwickshire, bicycle
theft, 12 months to June 2014: 643 in the published file), so every expected revision is that +120, known
independently of crimestat. The cut keeps these tests, which are about adding releases and not about the
figures of all forces, from parsing the whole 46,469-row file again and again. Downloads are served by a local
http.server in a thread, never the internet.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import threading

import pytest

from conftest import SAMPLE

ONS = SAMPLE / "releases" / "ons-2019"
FILES = ["rec-crime-pfa.csv", "pfa-population-mid2001-mid2019.csv", "pfa-households-census-2011.csv"]
ROW = "30-06-2014,Warwickshire,West Midlands,Bicycle theft,643\n"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """The user's data folder (XDG_DATA_HOME), empty; returns its releases/ folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "crimestat" / "releases"


@pytest.fixture
def revised(tmp_path, warwickshire_crime):
    """The ONS release's three files, the crime file cut to Warwickshire's rows, its bicycle thefts to June 2014
    +120."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in FILES[1:]:
        shutil.copy(ONS / name, folder / name)
    text = warwickshire_crime.read_text()
    assert text.count(ROW) == 1
    (folder / FILES[0]).write_text(text.replace(ROW, ROW.replace(",643\n", ",763\n")))
    return folder


def _serve(server):
    """Serve in a thread; the server checks for shutdown every 10 ms rather than every half second (its
    default), so that a test does not sit idle while it stops."""
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()


def _revision_of_warwickshire(run, name):
    result = run("revisions", "--force", "warwickshire", "--to", "2014-06", "--format", "csv", "-q")
    assert result.exit_code == 0, result.stderr
    rows = [line.split(",") for line in result.stdout.splitlines()]
    header = rows[0]
    mine = [dict(zip(header, r)) for r in rows[1:] if r[0] == name and r[3] == "Warwickshire"]
    assert len(mine) == 1
    return mine[0]


def test_a_release_added_from_files_is_listed_and_its_revision_shown(run, home, revised):
    files = [revised / n for n in FILES]
    result = run("releases", "add", *files, "--name", "ons-2019-revised", "--publisher", "ONS", "--published",
                 "2019-06-01", "-q")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((home / "ons-2019-revised" / "release.json").read_text())
    assert manifest["published"] == "2019-06-01" and manifest["publisher"] == "ONS"
    assert [(f["role"], f["path"]) for f in manifest["files"]] == [("crime", FILES[0]), ("population", FILES[1]),
                                                                   ("households", FILES[2])]
    for entry in manifest["files"]:  # each digest recomputed here from the user's own file
        assert entry["sha256"] == hashlib.sha256((revised / entry["path"]).read_bytes()).hexdigest()
    listed = run("releases", "--format", "csv", "-q")
    assert "\nons-2019-revised," in listed.stdout
    row = _revision_of_warwickshire(run, "ons-2019-revised")
    assert row["count_change"] == "120"  # against ons-2019, the release before it by publication date


def test_a_release_added_from_addresses_served_locally(run, home, revised):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(revised))
    handler.log_message = lambda *args: None
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        _serve(server)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            result = run("releases", "add", *(f"{base}/{n}" for n in FILES), "--name", "from-urls", "--published",
                         "2019-06-02", "-q")
        finally:
            server.shutdown()
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((home / "from-urls" / "release.json").read_text())
    assert manifest["url"] == f"{base}/{FILES[0]}"
    for entry in manifest["files"]:
        assert entry["sha256"] == hashlib.sha256((revised / entry["path"]).read_bytes()).hexdigest()
    assert _revision_of_warwickshire(run, "from-urls")["count_change"] == "120"
    assert sorted(p.name for p in home.iterdir()) == ["from-urls"]  # no staging folder left


class _CutShort(http.server.BaseHTTPRequestHandler):
    """Announces 1,000 bytes and sends 10, then closes: a partial download."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


def test_a_partial_or_oversized_download_leaves_no_release(run, home, revised):
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CutShort) as server:
        _serve(server)
        url = f"http://127.0.0.1:{server.server_address[1]}/rec-crime-pfa.csv"
        try:
            cut = run("releases", "add", url, revised / FILES[1], "--name", "cut")
        finally:
            server.shutdown()
    assert cut.exit_code == 1 and "the download ended after 10 of 1,000 bytes" in cut.stderr, cut.stderr
    assert "Traceback" not in cut.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(ONS))  # the shipped files
    handler.log_message = lambda *args: None
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        _serve(server)
        url = f"http://127.0.0.1:{server.server_address[1]}/{FILES[0]}"  # 2.9 MB, over a 1 MB limit
        try:
            big = run("releases", "add", url, revised / FILES[1], "--name", "big", "--max-size", "1")
        finally:
            server.shutdown()
    assert big.exit_code == 1 and "over the limit of 1,048,576" in big.stderr, big.stderr
    assert not home.exists() or list(home.iterdir()) == []


def test_every_problem_of_every_file_at_once_and_nothing_written(run, home, revised, tmp_path):
    unknown = tmp_path / "notes.csv"
    unknown.write_text("colour,size\nred,3\n")
    result = run("releases", "add", revised / FILES[0], unknown, tmp_path / "missing.csv", "http://127.0.0.1:9/x.csv",
                 "--name", "broken")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(str(unknown) in line and "header matches no known input" in line for line in lines)
    assert any("missing.csv: file not found" in line for line in lines)
    assert any("http://127.0.0.1:9/x.csv: cannot be downloaded" in line for line in lines)
    assert not home.exists() or list(home.iterdir()) == []
    taken = run("releases", "add", revised / FILES[0], revised / FILES[1], "--name", "ons-2019")
    assert taken.exit_code == 2 and "a release of that name exists already" in taken.stderr
    no_population = run("releases", "add", revised / FILES[0], "--name", "only-crime")
    assert no_population.exit_code == 1 and "has no population file" in no_population.stderr


def test_a_full_disk_while_writing_leaves_nothing(run, home, revised, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", full)
    result = run("releases", "add", *(revised / n for n in FILES), "--name", "full")
    assert result.exit_code == 1 and "No space left on device" in result.stderr and "nothing was added" in result.stderr
    assert list(home.iterdir()) == []


def test_a_job_notices_a_revision_only_release(run, home, revised, tmp_path):
    """The issue's job: store the newest release's name; exit 3 (silent under -q) until a release published
    after it appears, even one that only revises old figures; then 0; then 3 again with the new name."""
    out = tmp_path / "out.csv"

    def latest():
        result = run("releases", "--latest", "--format", "table", "-q")
        assert result.exit_code == 0
        return result.stdout.split()[0]

    def job(name):
        return run("compare", "--force", "warwickshire", "--if-newer-than", name, "-q", "--output", out)

    stored = latest()
    assert stored == "home-office-2026-04"
    skipped = job(stored)
    assert (skipped.exit_code, skipped.stdout, skipped.stderr) == (3, "", "") and not out.exists()
    loud = run("compare", "--force", "warwickshire", "--if-newer-than", stored, "--output", out)
    assert loud.exit_code == 3 and "nothing newer than release home-office-2026-04" in loud.stderr
    # The ONS files again, revised, published after the Home Office tables: no new period, but newer.
    added = run("releases", "add", *(revised / n for n in FILES), "--name", "ons-2019-rev2", "--published",
                "2026-05-01", "-q")
    assert added.exit_code == 0, added.stderr
    ran = job(stored)
    assert ran.exit_code == 0 and out.exists()
    stored = latest()
    assert stored == "ons-2019-rev2"
    out.unlink()
    again = job(stored)
    assert (again.exit_code, again.stderr) == (3, "") and not out.exists()
    removed = run("releases", "remove", "ons-2019-rev2")
    assert removed.exit_code == 0 and not (home / "ons-2019-rev2").exists()
    assert run("releases", "remove", "ons-2019").exit_code == 2  # shipped, not the user's


def test_a_folder_without_a_manifest_is_named(run, home):
    stray = home / "April tables"
    stray.mkdir(parents=True)
    result = run("releases", "--format", "csv")
    assert result.exit_code == 0
    assert f"{stray}: this folder has no release.json" in result.stderr
    assert "--name april-tables" in result.stderr


def test_a_changed_file_names_both_digests_and_what_to_do(run, home, revised):
    assert run("releases", "add", *(revised / n for n in FILES), "--name", "mine", "-q").exit_code == 0
    crime = home / "mine" / FILES[0]
    expected = hashlib.sha256(crime.read_bytes()).hexdigest()
    crime.write_bytes(crime.read_bytes()[:-100])
    found = hashlib.sha256(crime.read_bytes()).hexdigest()
    result = run("compare", "--release", "mine", "--force", "warwickshire", "--format", "csv")
    assert result.exit_code == 1
    assert str(crime) in result.stderr and expected in result.stderr and found in result.stderr
    assert "crimestat releases add" in result.stderr
