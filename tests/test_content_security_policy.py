"""Content-Security-Policy: scripts only from our own origin, and no template relies on inline script."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_send_a_policy_that_allows_scripts_from_self_only(client):
    policy = directives(client.get(reverse("storefront:login")))
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["default-src"]


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for folder in ("platform", "recommendations", "tagging", "artwork", "support_bot", "marketing"):
        for template in (settings.REPO_ROOT / folder).rglob("templates/**/*.html"):
            text = template.read_text()
            text = re.sub(r"<script[^>]*type=\"application/json\"[^>]*>.*?</script>", "", text, flags=re.S)
            if INLINE_SCRIPT.search(text):
                offenders.append(str(template.relative_to(settings.REPO_ROOT)))
    assert offenders == []
