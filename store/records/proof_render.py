"""The consent record's document (proof_document.py) written as Markdown or as one HTML page.

Anything from outside the dealership's own words (a client's text, a name, an actor, a note)
is escaped, so a text that holds `|`, `<script>` or a line break shows as written and cannot
change the document's shape; a line break in a client's text shows as ⏎ in Markdown.
"""

from __future__ import annotations

import html
import re

from store.controls import PROSE_CONTROLS
from store.records.proof_document import proof_blocks

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")
CODE, AS_CODE = re.compile(r"`([^`]+)`"), r"<code>\1</code>"
HEX = re.compile(r"[0-9a-f]*")
STYLE = ("body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;"
         "line-height:1.4}table{border-collapse:collapse;margin:.5em 0 1.5em}"
         "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}"
         "th{font-weight:600;white-space:nowrap}code{font-size:.85em;word-break:break-all}"
         ".quote{white-space:pre-wrap}")


def proof_markdown(proof: dict, *, zone: str) -> str:
    """Return the consent record as a Markdown document."""
    out = []
    for block in proof_blocks(proof, zone=zone):
        if block.kind == "title":
            out.append(f"# {md(block.text)}")
        elif block.kind == "heading":
            out.append(f"## {md(block.text)}")
        elif block.kind == "subheading":
            out.append(f"### {md(block.text)}")
        elif block.kind == "para":
            out.append(block.text)  # our own words: `code` stays Markdown
        elif block.kind == "note":
            out.append(md(block.text))
        else:
            out.append("\n".join(["| | |", "|---|---|", *(
                f"| {md(label)} | {md_value(value, style)} |"
                for label, value, style in block.rows)]))
    return "\n\n".join(out) + "\n"


def proof_html(proof: dict, *, zone: str) -> str:
    """Return the consent record as one HTML page (no script, no outside resource)."""
    blocks = proof_blocks(proof, zone=zone)
    title = next(b.text for b in blocks if b.kind == "title")
    out = ["<!DOCTYPE html>", '<html lang="en">', '<head><meta charset="utf-8">',
           f"<title>{html.escape(title)}</title>", f"<style>{STYLE}</style></head>", "<body>"]
    tags = {"title": "h1", "heading": "h2", "subheading": "h3", "note": "p"}
    for block in blocks:
        if block.kind in tags:
            tag = tags[block.kind]
            out.append(f"<{tag}>{html.escape(block.text)}</{tag}>")
        elif block.kind == "para":
            out.append(f"<p>{CODE.sub(AS_CODE, html.escape(block.text))}</p>")
        else:
            out.append("<table>")
            out += [f"<tr><th>{html.escape(label)}</th><td>{html_value(value, style)}</td></tr>"
                    for label, value, style in block.rows]
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def md(text: str) -> str:
    """Return text from outside as Markdown that shows it as written, on one line."""
    text = PROSE_CONTROLS.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")
    return MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", " ⏎ ")


def md_value(value: str, style: str) -> str:
    if style == "code" and HEX.fullmatch(value):
        return f"`{value}`"
    if style == "quote":
        return f"“{md(value)}”"
    return md(value)


def html_value(value: str, style: str) -> str:
    if style == "code":
        return f"<code>{html.escape(value)}</code>"
    if style == "quote":
        return f'<span class="quote">“{html.escape(PROSE_CONTROLS.sub(chr(0xFFFD), value))}”</span>'
    return html.escape(value)
