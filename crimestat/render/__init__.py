"""Rendering a command's result as a table for people, or CSV, JSON, Markdown or a workbook for programs.

Every command renders through here, so rounding and missing values look the same everywhere. People's
formats round as HMIC does (rates to 1 decimal place, changes to whole percent); CSV and JSON carry
unrounded values. ``views`` lays a typed result out as sections of cells; ``formats`` is the registry of
output formats, each written by its own module (``table``, ``contract`` for CSV and JSON, ``xlsx``);
``report`` writes the narrative report, ``charts`` the trend chart and funnel plot.
"""

from __future__ import annotations

from ..metrics.rounding import round_half_up  # noqa: F401 (re-exported)
from .cells import MISSING, format_cell  # noqa: F401
from .contract import contract_value, number_text, plain, safe_text, to_csv, to_json  # noqa: F401
from .formats import EXTENSIONS, FORMATS, choose_format, render  # noqa: F401
from .report import report_html, report_markdown  # noqa: F401
from .table import table_width, to_markdown, to_table  # noqa: F401
