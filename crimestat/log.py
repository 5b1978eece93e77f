"""Messages for the user on stderr: warnings about the data, never data itself.

The library logs to the ``crimestat`` logger; the CLI decides where that goes (stderr, or nowhere with
``--quiet``).
"""

from __future__ import annotations

import logging

logger = logging.getLogger("crimestat")


def warn(message: str) -> None:
    """Tell the user about something crimestat corrected or could not use."""
    logger.warning(message)
