"""The page skeleton and stylesheet for HTML reports: self-contained, no scripts, no external resources.

html.py lays a report Document out with these pieces. Every function here takes plain text and
escapes it; only `section` and `page` take markup (already escaped by the caller).
"""

from __future__ import annotations

from html import escape

# The CSP forbids every fetch and every script, so even a rendering bug cannot load or run anything.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

STYLE = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0;
  --head: #f6f8fa; --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700;
  --critical: #a40e26; --high: #cf222e; --medium: #bc4c00; --low: #9a6700; --info: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --head: #151b23;
    --pass: #3fb950; --fail: #f85149; --warn: #d29922;
    --critical: #ff7b72; --high: #f85149; --medium: #f0883e; --low: #d29922; --info: #58a6ff; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 90rem; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .75rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; padding-bottom: .25rem; border-bottom: 1px solid var(--line); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.verdict { display: inline-block; font-weight: 700; padding: .2rem .6rem; border-radius: .4rem;
  border: 2px solid currentColor; margin-bottom: .5rem; }
.tone-pass { color: var(--pass); } .tone-fail { color: var(--fail); } .tone-warning { color: var(--warn); }
p.tone-warning { border-left: 4px solid var(--warn); padding-left: .75rem; }
.table-wrap { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
th { background: var(--head); }
.sev { font-weight: 700; text-transform: uppercase; font-size: .8rem; white-space: nowrap; }
.sev-critical { color: var(--critical); } .sev-high { color: var(--high); }
.sev-medium { color: var(--medium); } .sev-low { color: var(--low); } .sev-info { color: var(--info); }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
.chart { display: block; max-width: 100%; height: auto; margin: .5rem 0; color: var(--fg); }
figure { margin: .75rem 0 1rem; } figcaption { color: var(--muted); font-size: .85rem; }
p.tone-fail { border-left: 4px solid var(--fail); padding-left: .75rem; }
p.tone-pass { border-left: 4px solid var(--pass); padding-left: .75rem; }
.toc { columns: 2; margin: 0 0 1rem; }
@page { size: A4; margin: 14mm 12mm; }
/* Print (and the PDF, printed by Chromium): light colours, smaller type, no split tables or charts. */
@media print {
  :root { color-scheme: light; --bg: #fff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0;
    --head: #f6f8fa; }
  body { max-width: none; padding: 0; font-size: 10pt; } table { font-size: 8.5pt; }
  h2 { break-after: avoid; } table, figure, tr { break-inside: avoid; }
  #appendix-collections { break-before: page; }
}
"""


def text(value: str) -> str:
    """Escape text for HTML element content and attribute values."""
    return escape(value, quote=True)


def facts(pairs: list[tuple[str, str]]) -> str:
    rows = "".join(f"<dt>{text(k)}</dt><dd>{text(v)}</dd>" for k, v in pairs)
    return f'<dl class="facts">{rows}</dl>'


def paragraph(value: str, tone: str = "") -> str:
    cls = f' class="tone-{text(tone)}"' if tone else ""
    return f"<p{cls}>{text(value)}</p>"


def bullet_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{text(i)}</li>" for i in items) + "</ul>"


def severity_badge(value: str) -> str:
    slug = value if value in {"critical", "high", "medium", "low", "info"} else "other"
    return f'<span class="sev sev-{slug}">{text(value)}</span>'


def table(headers: list[str], rows: list[list[str]], severity_column: int | None = None) -> str:
    head = "".join(f'<th scope="col">{text(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = [severity_badge(c) if i == severity_column else text(c) for i, c in enumerate(row)]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>\n")
    rows_html = "".join(body)
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows_html}</tbody></table></div>"
    )


def section(key: str, title: str, body_html: str) -> str:
    return f'<section id="{text(key)}"><h2>{text(title)}</h2>{body_html}</section>'


def page(title: str, body_html: str, footer: str = "") -> str:
    """Wrap already-escaped body markup in a complete, self-contained HTML5 document."""
    foot = f"<footer>{text(footer)}</footer>" if footer else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{text(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{text(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body_html}\n</main>\n{foot}\n</body>\n</html>\n"
    )
