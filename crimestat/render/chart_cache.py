"""Charts kept with the cached data: a report's SVG is drawn once per chart, not on every run.

Drawing the trend chart needs matplotlib, whose import alone takes about 0.3 s, more than the rest of a
warm ``report``. The SVG is a pure function of the figures charted, crimestat's code and matplotlib's
version, so it is kept in the data cache (``crimestat.cache``: same folder, same entry format with its
SHA-256, same ownership and no-symbolic-link checks, same ``CRIMESTAT_NO_CACHE``) under a key made of
all three, and one entry per force, measure and release replaces the earlier one.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def cached_svg(kind: str, slot_key: str, content_key: str, draw: Callable[[], str]) -> str:
    """``draw()``, or the SVG it gave before for the same ``content_key``, crimestat and matplotlib.

    ``slot_key`` names what the chart is of (kept once: a new chart of it replaces the old);
    ``content_key`` must hold everything the drawing depends on besides code.
    """
    if os.environ.get("CRIMESTAT_NO_CACHE"):
        return draw()
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__
    from .. import cache

    try:
        code = cache.code_digest()
        plotting = version("matplotlib")
    except (OSError, PackageNotFoundError):
        return draw()
    folder = cache.cache_dir()
    slot = f"{kind}-{cache.digest(f'{kind}|{slot_key}')[:16]}"
    entry = folder / f"{slot}-{cache.digest(f'{content_key}|{__version__}|{code}|{plotting}')[:24]}.entry"
    found = cache._read_entry(entry)
    if found is not None and isinstance(found[0], str) and found[0].startswith("<svg"):
        return found[0]
    svg = draw()
    cache._store(folder, entry, slot, cache.encode((svg, [])))
    return svg
