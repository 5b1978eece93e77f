"""Run ``python -m crimestat`` as a real process without paying for the interpreter's start every time.

Most end-to-end tests are about what the program does once it is running: its exit codes, its streams, its
answer to a signal at a chosen moment, the files it leaves. Starting a new interpreter for each of them
(Python, then numpy and click and crimestat's modules) cost the suite about a third of a second a run, most
of its time in those tests. Here a test worker starts one helper interpreter (the "warm" process) that
imports what ``python -m crimestat`` imports before its "imported" moment (``crimestat.cli``), and then, for
each run, forks a child: the child takes the run's stdin, stdout and stderr, working folder, environment and
arguments, and runs ``crimestat.__main__`` from its first instruction (the signal handlers are installed
there, as in every run), then leaves through the interpreter's ordinary exit (``sys.exit``: exit handlers,
flushing its streams). Each run is its own process, with its own pid, pipes and exit status, stopped by
real signals; the test holds a ``subprocess.Popen`` for it.

What a warm run does not do is start an interpreter: so the tests about start-up itself (which modules a
run imports, ``python -m`` and the installed command, numpy's threads, the entry point's first moments)
start real interpreters, and so does any run whose environment changes what an interpreter reads when it
starts (``PYTHON*``, ``LANG``, ``LC_*``, the thread-count variables): :func:`popen` falls back to
``subprocess.Popen`` for those, and for options a warm run does not offer (a shell, ``pass_fds``...).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from conftest import ROOT

CRIMESTAT = [sys.executable, "-m", "crimestat"]

#: Variables an interpreter, or numpy, reads once when it starts: a run that changes one starts for real.
_START_UP = ("PYTHON", "LANG", "LC_", "OPENBLAS", "OMP_", "MKL_", "NUMEXPR", "VECLIB", "TZ")

# The warm process. It reads requests on a socket: the run's spec (JSON) with four descriptors (stdin,
# stdout, stderr and a socket on which it answers the child's pid, then its wait status). Only the main
# loop runs in the warm process; a child leaves the loop with its request and becomes the run.
_WARM = r'''
import io, json, os, select, signal, socket, sys

control = socket.socket(fileno=int(sys.argv[1]))
# Runs asked for by the `crimestat` command of command_folder() (a shell script's runs) come on this socket.
listener = socket.socket(fileno=int(sys.argv[2])) if sys.argv[2] != "-1" else None
from crimestat.cli import main  # what `python -m crimestat` has imported at its "imported" moment
# and what every command that reads data imports next (the library, the dataset, numpy, the renderers)
import crimestat.dataset, crimestat.analyses.compare, crimestat.render.formats  # noqa: E401
# and what every run that reads data works out from crimestat's own files first: the digest of its source code
# (part of every cache key) and the packaged forces registry and classification (each kept only while its
# files are unchanged: crimestat/runtime/kept.py)
import crimestat.cache
crimestat.cache.code_digest()
from crimestat.loaders.classification import load_classification
from crimestat.loaders.forces import load_forces
load_forces(), load_classification(known_sources=crimestat.sources.keys())
import gc
gc.freeze()  # what every child inherits is left out of its collections (and its pages shared, not copied)

def serve():
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    runs = {}
    control.sendall(b"ready\n")
    while True:
        ready, _, _ = select.select([c for c in (control, listener, wake_read) if c is not None], [], [])
        if wake_read in ready:
            try:
                while os.read(wake_read, 512):
                    pass
            except BlockingIOError:
                pass
        while runs:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            answer = runs.pop(pid, None)
            if answer is not None:
                try:
                    answer.sendall(f"{status}\n".encode())
                except OSError:
                    pass
                answer.close()
        asked = [c for c in (control, listener) if c is not None and c in ready]
        for channel in asked:
            if channel is listener:
                try:
                    channel, _ = listener.accept()
                except OSError:
                    continue
            message, fds, _, _ = socket.recv_fds(channel, 1 << 20, 4)
            if channel is not control:
                channel.close()
            if not message and channel is control:
                os._exit(0)  # the test worker has gone
            if len(fds) != 4:
                for fd in fds:
                    os.close(fd)
                continue
            answer = socket.socket(fileno=fds[3])
            pid = os.fork()
            if pid == 0:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.close(wake_read)
                os.close(wake_write)
                control.close()
                if listener is not None:
                    listener.close()
                answer.close()
                for other in runs.values():
                    other.close()
                return json.loads(message), fds[:3]
            for fd in fds[:3]:
                os.close(fd)
            answer.sendall(f"{pid}\n".encode())
            runs[pid] = answer

spec, fds = serve()
for target, fd in enumerate(fds):
    os.dup2(fd, target)
for fd in set(fds):
    if fd > 2:
        os.close(fd)
os.chdir(spec["cwd"])
os.environ.clear()
os.environ.update(spec["env"])
sys.path[0] = os.getcwd()  # as `python -m` puts the working folder first

def stream(fd, old, write):
    """A standard stream made on the run's descriptor as the interpreter makes it at start-up (CPython's
    create_stdio): a buffer sized for the descriptor, line-buffered on a terminal and for stderr; or, for
    stdout and stderr of an interpreter started unbuffered (PYTHONUNBUFFERED or -u, which the warm process's
    own streams show, its start-up variables being the run's), no buffer and every write passed through."""
    unbuffered = write and old.write_through
    binary = io.open(fd, "wb" if write else "rb", buffering=0 if unbuffered else -1, closefd=False)
    raw = binary if unbuffered else binary.raw
    text = io.TextIOWrapper(binary, encoding=old.encoding, errors=old.errors, newline="\n",
                            line_buffering=not unbuffered and (raw.isatty() or fd == 2), write_through=unbuffered)
    text.mode = "w" if write else "r"
    return text

sys.stdin = sys.__stdin__ = stream(0, sys.__stdin__, False)
sys.stdout = sys.__stdout__ = stream(1, sys.__stdout__, True)
sys.stderr = sys.__stderr__ = stream(2, sys.__stderr__, True)
sys.argv = ["crimestat", *spec["argv"]]
import runpy
del main, serve, spec, fds, stream
runpy.run_module("crimestat", run_name="__main__", alter_sys=True)
'''


class _Warm:
    """The worker's warm process, started at its first use and ended when the worker exits."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.folder = tempfile.mkdtemp(prefix="crimestat-warm-")  # private (0700): its socket and command
        self.address: str | None = os.path.join(self.folder, "runs")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            listener.bind(self.address)  # fails where the folder's path is too long for a socket's address
            listener.listen(16)
        except OSError:
            listener.close()
            self.address = None  # command_folder()'s crimestat then starts new interpreters
        shared = [theirs.fileno()] + ([listener.fileno()] if self.address else [])
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen([sys.executable, "-c", _WARM, str(theirs.fileno()),
                                         str(listener.fileno()) if self.address else "-1"],
                                        cwd=ROOT, pass_fds=shared, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=self.log)
        theirs.close()
        listener.close()
        self.control = ours
        self.environment = {k: v for k, v in os.environ.items() if k.startswith(_START_UP)}
        if self.control.recv(64) != b"ready\n":
            raise RuntimeError(f"the warm process did not start: {self.failure()}")
        atexit.register(self.close)

    def failure(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def close(self) -> None:
        self.control.close()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def serves(self, env: dict[str, str]) -> bool:
        return ({k: v for k, v in env.items() if k.startswith(_START_UP)} == self.environment
                and self.process.poll() is None)


_warm: list[_Warm] = []


def _the_warm_process() -> _Warm:
    if not _warm:
        _warm.append(_Warm())
    return _warm[0]


class _WarmPopen(subprocess.Popen):
    """A ``Popen`` whose child is forked by the warm process: its pipes, pid, signals and exit status are
    the child's own; only waiting differs (the warm process reports the status on a socket)."""

    def _execute_child(self, args, executable, preexec_fn, close_fds, pass_fds, cwd, env, startupinfo,
                       creationflags, shell, p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite,
                       *unused):
        warm = _the_warm_process()
        answer, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        spec = {"argv": list(map(os.fsdecode, args[3:])), "cwd": os.fsdecode(cwd or os.getcwd()),
                "env": dict(os.environ if env is None else env)}
        descriptors = [p2cread if p2cread != -1 else 0, c2pwrite if c2pwrite != -1 else 1,
                       errwrite if errwrite != -1 else 2, theirs.fileno()]
        try:
            socket.send_fds(warm.control, [json.dumps(spec).encode()], descriptors)
        finally:
            theirs.close()
        self._answer = answer
        self._heard = b""
        try:
            self.pid = int(self._line(block=True))
        except EOFError:
            raise RuntimeError(f"the warm process did not start the run: {warm.failure()}") from None
        self._child_created = True
        self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite)

    def _line(self, block: bool) -> bytes | None:
        """The next line the warm process sends about this run; None when there is none yet, EOFError when
        there will be none (the warm process has gone)."""
        self._answer.setblocking(block)
        while b"\n" not in self._heard:
            try:
                part = self._answer.recv(64)
            except BlockingIOError:
                return None
            if not part:
                raise EOFError
            self._heard += part
        line, self._heard = self._heard.split(b"\n", 1)
        return line

    def _try_wait(self, wait_flags):
        try:
            line = self._line(block=not wait_flags & os.WNOHANG)
        except EOFError:
            raise RuntimeError(f"the warm process lost run {self.pid}: {_the_warm_process().failure()}") from None
        if line is None:
            return (0, 0)
        self._answer.close()
        return (self.pid, int(line))

    def _internal_poll(self, _deadstate=None, _waitpid=None, _WNOHANG=None, _ECHILD=None):
        if self.returncode is None and self._waitpid_lock.acquire(False):
            try:
                if self.returncode is None:
                    pid, status = self._try_wait(os.WNOHANG)
                    if pid == self.pid:
                        self._handle_exitstatus(status)
            finally:
                self._waitpid_lock.release()
        return self.returncode


# The `crimestat` of command_folder(): a small client (Python without site or environment, a few milliseconds to
# start) that hands its arguments, working folder, environment and standard streams to the warm process, passes
# on the signals a terminal or a shell sends it, and ends as the run ended (its exit code, or its signal).
_COMMAND = r'''#!{python} -IS
import json, os, signal, socket, sys

START_UP = {start_up!r}
ADDRESS = {address!r}  # None: the warm process has no socket for this command
if ADDRESS is None or {{k: v for k, v in os.environ.items() if k.startswith(START_UP)}} != {environment!r}:
    os.execv({python!r}, [{python!r}, "-m", "crimestat", *sys.argv[1:]])  # as the installed command would start
spec = {{"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}}
answer, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
GONE = "crimestat (tests/warm.py): the warm process has ended, so this run was not made or not finished\n"
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as warm:
        warm.connect(ADDRESS)
        socket.send_fds(warm, [json.dumps(spec).encode()], [0, 1, 2, theirs.fileno()])
except OSError:
    sys.stderr.write(GONE)
    sys.exit(70)
theirs.close()
lines = answer.makefile("rb")


def heard():
    line = lines.readline()
    if not line.strip():
        sys.stderr.write(GONE)
        sys.exit(70)
    return int(line)


pid = heard()
for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
    signal.signal(number, lambda number, frame: os.kill(pid, number))
status = heard()
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.waitstatus_to_exitcode(status))
'''


def command_folder() -> str:
    """A folder holding a ``crimestat`` command that runs crimestat as a warm run (for a shell script that
    calls ``crimestat`` by name: put the folder first on its PATH). A run whose environment changes what an
    interpreter reads at start-up starts a new interpreter instead, as :func:`popen` does."""
    warm = _the_warm_process()
    command = os.path.join(warm.folder, "crimestat")
    if not os.path.exists(command):
        with open(command, "w", encoding="utf-8") as out:
            out.write(_COMMAND.format(python=sys.executable, start_up=_START_UP, environment=warm.environment,
                                      address=warm.address))
        os.chmod(command, 0o700)
    return warm.folder


_FALLBACK = ("shell", "pass_fds", "preexec_fn", "executable", "start_new_session", "process_group", "user",
             "group", "extra_groups", "umask")


def popen(args, *, new_interpreter: bool = False, **options) -> subprocess.Popen:
    """``subprocess.Popen([python, -m, crimestat, *args], **options)``, forked by the warm process when it
    can be (see the module's docstring), started as a new interpreter otherwise or when ``new_interpreter``
    (a test about start-up itself)."""
    command = [*CRIMESTAT, *map(str, args)]
    env = options.get("env")
    if (new_interpreter or any(options.get(name) for name in _FALLBACK) or options.get("close_fds") is False
            or not _the_warm_process().serves(os.environ if env is None else env)):
        return subprocess.Popen(command, **options)
    return _WarmPopen(command, **options)


def run(args, *, input=None, timeout=None, check=False, capture_output=False, **options):
    """``subprocess.run`` for crimestat's command line, through :func:`popen`."""
    if input is not None:
        options["stdin"] = subprocess.PIPE
    if capture_output:
        options["stdout"] = options["stderr"] = subprocess.PIPE
    with popen(args, **options) as process:
        try:
            stdout, stderr = process.communicate(input, timeout=timeout)
        except BaseException:
            process.kill()
            raise
        code = process.poll()
    if check and code:
        raise subprocess.CalledProcessError(code, process.args, stdout, stderr)
    return subprocess.CompletedProcess(process.args, code, stdout, stderr)
