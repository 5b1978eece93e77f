"""Which counts in a series are implausible as real figures: a gap written as a number.

Published aggregates sometimes write "not supplied" as 0, or hold a quarter a force supplied only in part.
Such a value is far below the series' usual level, where a real fall (a lockdown, a new records system
bedding in) is not. The rule here is a fixed fraction of the series' median: robust to a few gaps (the
median ignores them), to a slow trend (a series that doubles over ten years stays far above a quarter
of its median), and simple to state.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FRACTION = 0.25
USUAL_MINIMUM = 1000


def row_median(values: npt.ArrayLike) -> np.ndarray:
    """The median of each row of a 2-D array (as ``np.median(axis=1)``, without its first-call import cost)."""
    ordered = np.sort(np.asarray(values, dtype=float), axis=1)
    n = ordered.shape[1]
    return (ordered[:, (n - 1) // 2] + ordered[:, n // 2]) / 2


def below_usual(values: npt.ArrayLike, fraction: float = FRACTION, usual_minimum: float = USUAL_MINIMUM) -> np.ndarray:
    """Boolean array: True where a value is below ``fraction`` of its row's median (the row's usual level).

    ``values`` is 2-D (one row per series, e.g. a force's quarters). A row whose median is below
    ``usual_minimum`` is never judged (a small series can halve by chance), nor are rows of one value.

    Notes
    -----
    With ``fraction`` 0.25, a quarter holding less than a quarter of the force's median quarter is taken
    as not supplied: zeros written for "no data", and quarters supplied in part.
    """
    array = np.asarray(values, dtype=float)
    if array.ndim != 2:
        raise ValueError("expected a 2-D array: one row per series")
    if not 0 < fraction < 1:
        raise ValueError(f"fraction {fraction} is not between 0 and 1")
    if array.shape[1] < 2:
        return np.zeros(array.shape, dtype=bool)
    usual = row_median(array)[:, None]
    judged = usual >= usual_minimum
    return judged & (array < fraction * usual)
