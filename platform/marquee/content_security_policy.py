"""The site's Content-Security-Policy, the CONTENT_SECURITY_POLICY setting (settings.py imports it)."""

from csp.constants import NONE, SELF, UNSAFE_INLINE

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline, so an
# injected <script> or on* handler does not run. Enforced in development too, so the browser tests
# prove the pages work under it. Inline style attributes stay allowed (avatar colours, admin widths).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "media-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
