"""A report (``analyses.report``) as Markdown or one self-contained HTML page."""

from __future__ import annotations

from .table import _aligns, _body

def _escaped_block(block, escape):
    """A copy of a report block with its text and items escaped (the table is escaped cell by cell)."""
    import dataclasses

    changes = {}
    if isinstance(getattr(block, "text", None), str):
        changes["text"] = escape(block.text)
    if getattr(block, "items", None):
        changes["items"] = [escape(i) for i in block.items]
    return dataclasses.replace(block, **changes) if changes and dataclasses.is_dataclass(block) else block


def report_markdown(report, image: str | None = None) -> str:
    """The report as Markdown; ``image`` is the chart file's name beside it."""
    from tabulate import tabulate

    from .text import markdown

    def escape(text: str) -> str:
        # Text from data files (indicator sources, names, the release's title) is text, neither HTML nor
        # Markdown: no planted <script>, remote image, javascript: link, heading or table cell break.
        return markdown(str(text))

    parts = []
    for block in report.blocks:
        block = _escaped_block(block, escape)
        if block.kind == "h1":
            parts.append(f"# {block.text}")
        elif block.kind == "h2":
            parts.append(f"## {block.text}")
        elif block.kind == "p":
            parts.append(block.text)
        elif block.kind == "note":
            parts.append(f"*{block.text.lstrip('*')}*" if block.text.startswith("*") else f"_{block.text}_")
        elif block.kind == "list":
            parts.append("\n".join(f"- {item}" for item in block.items))
        elif block.kind == "table":
            parts.append(tabulate([[escape(c) for c in row] for row in _body(block.section)],
                                  headers=[escape(h) for h in block.section.headers], tablefmt="pipe",
                                  colalign=_aligns(block.section), disable_numparse=True))
        elif block.kind == "figure":
            parts.append(f"![{block.text}]({image})\n\n{block.text}" if image else
                         f"{block.text} (The chart is in the HTML version of this report.)")
    return "\n\n".join(parts) + "\n"


_CSS = """
body { font-family: Arial, Helvetica, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 3px solid #00567a; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; color: #00567a; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: .95rem; }
th, td { border: 1px solid #b8b8b8; padding: .35rem .5rem; vertical-align: top; }
th { background: #e8f0f4; text-align: left; }
td.num, th.num { text-align: right; }
figure { margin: 1.5rem 0; }
figure svg { width: 100%; height: auto; }
figcaption { font-style: italic; font-size: .9rem; }
.note { font-size: .9rem; font-style: italic; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  table, figure { break-inside: avoid; }
  th { background: #e8f0f4 !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def report_html(report, svg: str | None) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG; nothing fetched)."""
    from html import escape

    parts = ["<!DOCTYPE html>", '<html lang="en-GB">', "<head>", '<meta charset="utf-8"/>',
             '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
             f"<title>{escape(report.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>"]
    for block in report.blocks:
        if block.kind in ("h1", "h2"):
            parts.append(f"<{block.kind}>{escape(block.text)}</{block.kind}>")
        elif block.kind == "p":
            parts.append(f"<p>{escape(block.text)}</p>")
        elif block.kind == "note":
            parts.append(f'<p class="note">{escape(block.text)}</p>')
        elif block.kind == "list":
            parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>")
        elif block.kind == "table":
            section = block.section
            aligns = _aligns(section)
            head = "".join(f'<th scope="col"{_num(a)}>{escape(h)}</th>' for h, a in zip(section.headers, aligns))
            rows = "".join(
                "<tr>" + "".join(
                    (f'<th scope="row">{escape(c)}</th>' if i == 0 else f"<td{_num(aligns[i])}>{escape(c)}</td>")
                    for i, c in enumerate(row)) + "</tr>"
                for row in _body(section))
            # The first table is the headline rates; later ones (what changed) get their own ids.
            tables = sum(p.startswith("<table") for p in parts)
            ident = "rates" if tables == 0 else f"table-{tables + 1}"
            parts.append(f'<table id="{ident}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
        elif block.kind == "figure":
            chart = svg or ""
            parts.append(f'<figure id="trend">{chart}<figcaption>{escape(block.text)}</figcaption></figure>')
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _num(align: str) -> str:
    return ' class="num"' if align == "right" else ""
