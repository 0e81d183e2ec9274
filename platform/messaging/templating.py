"""The one placeholder syntax for staff-written text: `{name}` from a fixed whitelist, `{{`/`}}` literal braces.

Staff write campaign e-mails (marketing) and support answers (support_bot), so their text never reaches
Django's template engine or `str.format` (both can walk attributes): a placeholder is a bare name looked up
in a dict the caller built. Each feature keeps its own whitelist and builds one `PlaceholderSyntax` from it.
"""

import re
from collections.abc import Mapping
from typing import Any

from django.utils.html import escape

# `{{` and `}}` are literal braces; `{name}` is a placeholder; anything else in braces is an error.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


class PlaceholderSyntax:
    def __init__(self, placeholders: Mapping[str, str]) -> None:
        self.placeholders = placeholders  # name -> what it is, for admin help and error messages

    def placeholders_in(self, template: str) -> list[str]:
        return [m.group(1).strip() for m in _TOKEN.finditer(template) if m.group(1) is not None]

    def errors(self, template: str) -> list[str]:
        """Human-readable problems with a template (unknown placeholders, stray braces); empty when valid."""
        allowed = ", ".join(sorted(self.placeholders))
        errors = [
            f"unknown placeholder {{{name}}}; allowed: {allowed}"
            for name in self.placeholders_in(template)
            if name not in self.placeholders
        ]
        leftover = _TOKEN.sub("", template)
        if "{" in leftover or "}" in leftover:
            errors.append("unbalanced brace; write {{ or }} for a literal brace")
        return errors

    def render(self, template: str, context: Mapping[str, Any], *, html: bool = False) -> str:
        """Fill placeholders from `context` (escaped when `html`); unknown or missing ones render as nothing."""

        def substitute(match: re.Match) -> str:
            token = match.group(0)
            if token in ("{{", "}}"):
                return token[0]
            name = match.group(1).strip()
            value = str(context.get(name, "")) if name in self.placeholders else ""
            return escape(value) if html else value

        return _TOKEN.sub(substitute, template)
