"""Control characters: which each kind of text may hold, declared once for every edge.

PostgreSQL cannot store NUL, and the other C0 and C1 control characters forge log lines:
none of them is something a person types. So a line (a phone, a name, an actor) holds
none, and prose (a note, a text to send) keeps only tab, line feed and carriage return. A
lone surrogate is no text at all: JSON's escape \\ud800 decodes to one, and so does a byte
that is not UTF-8 on the command line (Python decodes argv with surrogateescape).

The edges check what they read against these: gateway/fields.py builds the API's and the
webhooks' types on the ranges, and the CLI (gateway/cli) and the Slack bot
(bot/middleware.py) ask `refusal()`. A client's text is never refused for them: it is
cleaned with PROSE_CONTROLS (store.messaging.inbound), so STOP followed by junk is a STOP.

This module imports nothing but `re`: the CLI reads its arguments with it, and importing
the API's types (pydantic) would double `smsprefs prefs`'s start.
"""

from __future__ import annotations

import re

# Ranges for a regular expression's character class: C0 and C1 control characters, and
# the same less tab, line feed and carriage return.
CONTROL = r"\u0000-\u001f\u007f-\u009f"
PROSE_CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
SURROGATE = r"\ud800-\udfff"
PROSE_CONTROLS = re.compile(f"[{PROSE_CONTROL}]")

# The kinds of text a person types, and what each refuses.
LINE, PROSE, TEXT = "line", "prose", "text"
_REFUSED = {LINE: re.compile(f"[{SURROGATE}{CONTROL}]"),
            PROSE: re.compile(f"[{SURROGATE}{PROSE_CONTROL}]"),
            TEXT: re.compile(f"[{SURROGATE}]")}  # a client's text: cleaned, not refused
# What surrogateescape makes of the bytes 0x80-0xFF that are not UTF-8.
_ESCAPED_BYTES = range(0xDC80, 0xDD00)


def refusal(value: str, kind: str) -> str | None:
    """Return why `value` cannot be read as text of `kind` (LINE, PROSE or TEXT), worded
    to follow the name of what was typed, or None when it can."""
    found = _REFUSED[kind].search(value)
    if found is None:
        return None
    code = ord(found.group())
    if code in _ESCAPED_BYTES:
        return f"is not valid UTF-8 (the byte 0x{code - 0xDC00:02X})"
    if 0xD800 <= code <= 0xDFFF:
        return f"is not valid text (a lone surrogate, U+{code:04X})"
    allowed = ("tab, line feed and carriage return are the only ones it may hold"
               if kind == PROSE else "it must be one line without control characters")
    return f"holds the control character U+{code:04X}; {allowed}"
