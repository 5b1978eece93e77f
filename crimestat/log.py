"""Messages for the user on stderr: warnings about the data, never data itself.

The library logs to the ``crimestat`` logger; the CLI decides where that goes (stderr, or nowhere with
``--quiet``). ``collecting()`` also records every warning given, whatever the logger shows, so that a
cached load can give its warnings again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger("crimestat")
_collectors: list[list[str]] = []


def warn(message: str) -> None:
    """Tell the user about something crimestat corrected or could not use."""
    for collected in _collectors:
        collected.append(message)
    logger.warning(message)


def remind(message: str) -> None:
    """A warning already shown for this version of a file: repeated only when asked (``--verbose``), so a
    nightly job's log carries each known quirk once, and new problems stand out."""
    logger.info(message)


def showing_warnings() -> bool:
    """Whether a warning given now reaches the user (not ``--quiet``)."""
    return logger.isEnabledFor(logging.WARNING)


@contextmanager
def collecting() -> Iterator[list[str]]:
    """Record the warnings given inside the block."""
    messages: list[str] = []
    _collectors.append(messages)
    try:
        yield messages
    finally:
        _collectors.remove(messages)
