"""Ctrl-C and SIGTERM: exit 130 or 143 with one line on stderr, however early or late they arrive.

The command line's entry point (:func:`run`) installs the handlers as its first instruction, before click,
pandas or any of crimestat's modules are imported, so a signal during start-up unwinds like one during a
calculation: temporary files are removed on the way out, the exit code is 130 (Ctrl-C) or 143 (SIGTERM,
128 + 15) and the message is one line, never a traceback. Only the first signal unwinds; a second one
while the program is already stopping is recorded and ignored, so clean-up is not itself interrupted.

``ready(moment)`` lets a test stop the program at a chosen moment: with ``CRIMESTAT_READY_AT=moment`` in
the environment, the program prints ``crimestat: ready moment`` on stderr there and waits (at most a
minute) for the test's signal, so the signal arrives exactly at that moment on a loaded machine as on a
quiet one. Without the variable ``ready`` does nothing. This module imports only the standard library's
smallest modules: it is loaded in the program's first millisecond.
"""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED = 130  # 128 + SIGINT
TERMINATED = 143  # 128 + SIGTERM

received: list[int] = []  # the signals received, so an error they caused is reported as the signal


class Stopped(BaseException):
    """A signal, raised where the program is so that temporary files are removed on the way out.

    Not a KeyboardInterrupt: click would print an empty line for one before its own handling."""


class Interrupted(Stopped):
    """Ctrl-C (SIGINT)."""


class Terminated(Stopped):
    """SIGTERM (a scheduler or ``kill`` stopping the job)."""


_owner: list[int] = []  # the process that installed the handlers (a forked child inherits them)


def _on_signal(signum, frame) -> None:
    if _owner and os.getpid() != _owner[0]:
        # A child forked by this process (a counting worker) before it set its own handlers: it is not
        # the program, and must neither print nor unwind. As a worker does: SIGTERM ends it, Ctrl-C
        # (sent to the whole process group) is the parent's to decide.
        if signum == signal.SIGTERM:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
        return
    received.append(signum)
    if len(received) > 1:
        return  # already unwinding from the first: let the clean-up finish
    raise Terminated() if signum == signal.SIGTERM else Interrupted()


def _after_the_end(signum, frame) -> None:
    received.append(signum)  # the work is done and written: nothing left to unwind


def install() -> None:
    """Handle SIGINT and SIGTERM from here on (in the main thread only, where Python delivers them)."""
    try:
        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
    except ValueError:
        return  # not the main thread (crimestat's command run inside another program's thread)
    _owner[:] = [os.getpid()]


def finish() -> None:
    """From here on a signal is only recorded: the program is leaving with its work done (see ``run``)."""
    try:
        signal.signal(signal.SIGTERM, _after_the_end)
        signal.signal(signal.SIGINT, _after_the_end)
    except ValueError:
        pass


def signalled() -> int | None:
    """The first signal received, or None."""
    return received[0] if received else None


def exit_code(signum: int | None = None) -> int:
    """130 for Ctrl-C, 143 for SIGTERM (the first signal received when none is given)."""
    signum = signum if signum is not None else signalled()
    return TERMINATED if signum == signal.SIGTERM else INTERRUPTED


def message(signum: int | None = None) -> str:
    """The one line printed on stderr."""
    return "crimestat: terminated" if exit_code(signum) == TERMINATED else "crimestat: interrupted"


_told: list[bool] = []


def tell(signum: int | None = None) -> int:
    """Print the one line on stderr (once, however many places report the signal); return the exit code."""
    if not _told:
        _told.append(True)
        try:
            sys.stderr.write(message(signum) + "\n")
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):
            pass  # stderr closed: the exit code still says what happened
    return exit_code(signum)


def stop(signum: int | None = None) -> None:
    """Print the one line and exit with the signal's code, writing nothing more."""
    raise SystemExit(tell(signum))


def ready(moment: str, wait: bool = True) -> None:
    """At the moment a test named in ``CRIMESTAT_READY_AT``, say so on stderr and wait for its signal
    (``wait=False``: where the program is about to wait anyway, for input)."""
    if os.environ.get("CRIMESTAT_READY_AT") != moment:
        return
    import time

    os.write(2, f"crimestat: ready {moment}\n".encode())
    if not wait:
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not received:
        time.sleep(0.05)  # the signal's handler raises out of this wait
