"""The campaign template syntax: `{name}` placeholders from a fixed whitelist, the support bot's syntax.

Staff write templates, so they never reach Django's template engine or str.format (both can walk
attributes). In the HTML part every value is escaped; `{{` and `}}` are literal braces.
"""

import re
from collections.abc import Mapping

from django.utils.html import escape

PLACEHOLDERS: dict[str, str] = {
    "profile_name": "the name of the account's main profile",
    "email": "the recipient's email",
    "plan": "the recipient's plan name",
    "region": "the recipient's region",
    "title": "the featured title (the recommender's top unwatched pick the profile may see)",
    "title_url": "tracked link to the featured title",
    "artwork_url": "the featured title's personalised artwork",
    "offer": "the offer's headline",
    "offer_details": "the offer's details",
    "offer_url": "tracked link of the offer",
    "unsubscribe_url": "the signed one-click unsubscribe link",
}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def placeholders_in(template: str) -> list[str]:
    return [m.group(1).strip() for m in _TOKEN.finditer(template) if m.group(1) is not None]


def template_errors(template: str) -> list[str]:
    """Problems with a template (unknown placeholders, stray braces); empty when valid."""
    errors = [
        f"unknown placeholder {{{name}}}; allowed: {', '.join(sorted(PLACEHOLDERS))}"
        for name in placeholders_in(template)
        if name not in PLACEHOLDERS
    ]
    leftover = _TOKEN.sub("", template)
    if "{" in leftover or "}" in leftover:
        errors.append("unbalanced brace; write {{ or }} for a literal brace")
    return errors


def render(template: str, context: Mapping[str, str], *, html: bool = False) -> str:
    """Fill placeholders from `context` (escaped when `html`); unknown or missing ones render as nothing."""

    def substitute(match: re.Match) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1).strip()
        value = str(context.get(name, "")) if name in PLACEHOLDERS else ""
        return escape(value) if html else value

    return _TOKEN.sub(substitute, template)
