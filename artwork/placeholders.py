"""Generated poster placeholders: an inline SVG with the title's name, coloured from its id."""

import hashlib
import textwrap
from urllib.parse import quote

from django.utils.html import escape

from catalog.models import Title

# Dark, saturated backgrounds that keep white text readable.
_PALETTE = ["#5b1a1a", "#1a3b5b", "#2f4f1f", "#4b2a5e", "#5e4520", "#1f4d4d", "#4d1f3a", "#2b2b55"]


def placeholder_svg(title: Title) -> str:
    """A 2:3 poster-shaped SVG naming the title, so cards without artwork still read well."""
    digest = hashlib.blake2b(str(title.pk).encode(), digest_size=2).digest()
    background = _PALETTE[digest[0] % len(_PALETTE)]
    lines = textwrap.wrap(title.name, width=14)[:5] or ["Untitled"]
    first_y = 150 - 14 * (len(lines) - 1)
    text = "".join(
        f'<text x="100" y="{first_y + 28 * i}" text-anchor="middle">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    year = f'<text x="100" y="270" text-anchor="middle" font-size="16" fill-opacity=".7">{title.year}</text>' if title.year else ""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 300">'
        f'<rect width="200" height="300" fill="{background}"/>'
        '<g fill="#fff" font-family="system-ui,sans-serif" font-size="22" font-weight="700">'
        f"{text}{year}</g></svg>"
    )


def placeholder_data_uri(title: Title) -> str:
    return "data:image/svg+xml;charset=utf-8," + quote(placeholder_svg(title), safe="")
