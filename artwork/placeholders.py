"""Generated poster placeholders: an inline SVG with the title's name, coloured from its id."""

import hashlib
import textwrap
from urllib.parse import quote

from django.utils.html import escape

from catalog.models import Title

# Dark, saturated backgrounds that keep white text readable.
_PALETTE = ["#5b1a1a", "#1a3b5b", "#2f4f1f", "#4b2a5e", "#5e4520", "#1f4d4d", "#4d1f3a", "#2b2b55"]


def placeholder_svg(title: Title) -> str:
    """A 2:3 poster-shaped SVG naming the title, laid out as the demo posters are (a gradient, the name
    at the lower left, the year under it: catalog.synthetic_media.poster_png), so cards without artwork
    do not look like a second style."""
    digest = hashlib.blake2b(str(title.pk).encode(), digest_size=2).digest()
    background = _PALETTE[digest[0] % len(_PALETTE)]
    lines = textwrap.wrap(title.name, width=15)[:4] or ["Untitled"]
    first_y = 300 - 33 - 23 * len(lines) + 18
    text = "".join(
        f'<text x="10" y="{first_y + 23 * i}">{escape(line)}</text>' for i, line in enumerate(lines)
    )
    year = f'<text x="10" y="288" font-size="12" font-weight="400" fill-opacity=".85">{title.year}</text>' if title.year else ""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 300">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="{background}"/>'
        '<stop offset="1" stop-color="#0b0b0b"/></linearGradient></defs>'
        '<rect width="200" height="300" fill="url(#g)"/>'
        '<g fill="#fff" font-family="system-ui,sans-serif" font-size="18" font-weight="600">'
        f"{text}{year}</g></svg>"
    )


def placeholder_data_uri(title: Title) -> str:
    return "data:image/svg+xml;charset=utf-8," + quote(placeholder_svg(title), safe="")
