"""The command line: options -> resolve through the dataset -> call the library -> render.

``base`` holds the group (one place maps errors to exit codes and installs the signal handlers), the shared
options and the option types; ``commands`` the analysis commands, ``data`` the data and report commands.
Nothing worth testing lives only here.
"""

import os

# Before numpy is first imported (no command imports it at start-up): numpy's OpenBLAS would otherwise start
# a thread per core, with its buffers, at import, and spin them; crimestat's arithmetic is element-wise,
# never multi-threaded linear algebra. This is 50 ms of a 220 ms warm compare on two cores. A user's own
# setting is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from . import commands, data  # noqa: E402,F401  (their commands join the group)
from .base import main  # noqa: E402

__all__ = ["main"]
