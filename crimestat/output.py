"""Writing output: stdout, or a file replaced atomically so a killed run leaves the old file intact."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from .errors import OutputError, UsageError


def write_output(text: str, output: str | None) -> None:
    """Write ``text`` to stdout (``None`` or ``-``) or to the file ``output``.

    A regular file (or a new one) is written beside itself and renamed into place; through a symbolic
    link the link's target is replaced, not the link. A device or pipe (``/dev/stdout``, a FIFO) has no
    place for a temporary file, so it is written directly.
    """
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(output)
    try:
        mode: int | None = os.stat(target).st_mode  # follows symbolic links
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _cannot_write(output, exc) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"--output {output}: is a folder; expected a file name")
    if mode is not None and not stat.S_ISREG(mode):
        _write(target, text, output)
        return
    real = Path(os.path.realpath(target))
    if not real.parent.is_dir():
        raise UsageError(f"--output {output}: folder '{target.parent}' does not exist")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise _cannot_write(output, exc) from None
    umask = os.umask(0)
    os.umask(umask)
    try:
        # mkstemp makes the file private; give it the mode an ordinary new file would have.
        os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, real)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise _cannot_write(output, exc) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write(target: Path, text: str, output: str) -> None:
    try:
        with open(target, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except OSError as exc:
        raise _cannot_write(output, exc) from None


def _cannot_write(output: str, exc: OSError) -> OutputError:
    return OutputError(f"--output {output}: cannot be written ({exc.strerror or exc})")
