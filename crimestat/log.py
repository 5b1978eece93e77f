"""Messages for the user on stderr: warnings about the data, never data itself.

The library logs to the ``crimestat`` logger; the CLI decides where that goes (stderr, or nowhere with
``--quiet``) with :func:`configure`. ``collecting()`` also records every warning given, whatever the logger
shows, so that a cached load can give its warnings again.

The logging module is imported when the first message is given, not at start-up: most runs give none, and
importing it (with traceback, string and tokenize) is a tenth of ``crimestat forces``.
"""

from __future__ import annotations

import re

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

_collectors: list[list[str]] = []
_logger: logging.Logger | None = None
_wanted: dict[str, Any] | None = None  # the CLI's choice, applied when the logger is first needed
WARNING = 30  # logging.WARNING
INFO = 20
ERROR = 40


def configure(quiet: bool, verbose: bool = False) -> None:
    """Warnings on stderr: new ones always; those already shown for a file's version only with ``verbose``;
    none when ``quiet``. Takes effect at the first message (or at once, if a message has been given)."""
    global _wanted
    _wanted = {"level": ERROR if quiet else INFO if verbose else WARNING}
    if _logger is not None:
        _apply()


def is_quiet() -> bool:
    """Whether ``--quiet`` was given: informational messages (a job's "nothing newer") are left out too."""
    return _wanted is not None and _wanted["level"] >= ERROR


def _apply() -> None:
    global _wanted
    import logging
    import sys

    class Formatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            seen = " (shown before for this file)" if record.levelno < WARNING else ""
            return f"crimestat: warning{seen}: {printable(record.getMessage())}"

    assert _logger is not None and _wanted is not None
    _logger.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Formatter())
    _logger.addHandler(handler)
    _logger.setLevel(_wanted["level"])
    _wanted = None


def logger() -> logging.Logger:
    """The ``crimestat`` logger, set up as the CLI asked."""
    global _logger
    if _logger is None:
        import logging

        _logger = logging.getLogger("crimestat")
    if _wanted is not None:
        _apply()
    return _logger


def reset() -> None:
    """Forget the CLI's choice (for tests, which run many commands in one process)."""
    global _wanted
    _wanted = None


def warn(message: str) -> None:
    """Tell the user about something crimestat corrected or could not use."""
    for collected in _collectors:
        collected.append(message)
    logger().warning(message)


def remind(message: str) -> None:
    """A warning already shown for this version of a file: repeated only when asked (``--verbose``), so a
    nightly job's log carries each known quirk once, and new problems stand out."""
    logger().info(message)


def showing_warnings() -> bool:
    """Whether a warning given now reaches the user (not ``--quiet``)."""
    if _logger is None and _wanted is not None:
        return _wanted["level"] <= WARNING  # the CLI's choice, without importing logging to ask
    return logger().isEnabledFor(WARNING)


@contextmanager
def collecting() -> Iterator[list[str]]:
    """Record the warnings given inside the block."""
    messages: list[str] = []
    _collectors.append(messages)
    try:
        yield messages
    finally:
        _collectors.remove(messages)


# -- text from data, shown on a terminal ---------------------------------------------------------------------

# C0 controls, DEL and C1 controls (ESC starts terminal sequences; CSI is U+009B), and the Unicode
# direction overrides that reorder what a terminal or an editor shows.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_control(match: re.Match) -> str:
    c = match.group(0)
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\n``): safe on a terminal,
    one line, and still telling the user what the file holds."""
    return _CONTROL.sub(_escape_control, text) if _CONTROL.search(text) else text


