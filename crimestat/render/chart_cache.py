"""Charts kept with the cached data: a report's SVG is drawn once per chart, not on every run.

Drawing the trend chart needs matplotlib, whose import alone takes about 0.3 s, more than the rest of a
warm ``report``. The SVG is a pure function of the figures charted, crimestat's code and matplotlib's
version, so it is kept in the data cache (``crimestat.cache``: same folder, same entry format with its
SHA-256, same ownership and no-symbolic-link checks, same ``CRIMESTAT_NO_CACHE``) under a key made of
all three, and one entry per force, measure and release replaces the earlier one.
"""

from __future__ import annotations

from collections.abc import Callable


def cached_svg(kind: str, slot_key: str, content_key: str, draw: Callable[[], str]) -> str:
    """``draw()``, or the SVG it gave before for the same ``content_key``, crimestat and matplotlib.

    ``slot_key`` names what the chart is of (kept once: a new chart of it replaces the old);
    ``content_key`` must hold everything the drawing depends on besides code.
    """
    from importlib.metadata import PackageNotFoundError, version

    from .. import cache

    try:
        plotting = version("matplotlib")
    except PackageNotFoundError:
        return draw()
    key = f"{content_key}|{plotting}"
    found = cache.lookup(kind, slot_key, key)
    if isinstance(found, str) and found.startswith("<svg"):
        return found
    svg = draw()
    cache.store(kind, slot_key, key, svg)
    return svg
