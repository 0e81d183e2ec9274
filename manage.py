#!/usr/bin/env python
"""Django's command-line utility for Marquee."""

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent
# platform/ is a source folder, deliberately without __init__.py: a package named
# `platform` would shadow the standard-library module that Celery, torch and
# transformers import. Its packages (marquee, catalog, accounts, ...) become
# importable by putting the folder itself on sys.path, as pyproject.toml does too.
for path in (REPO_ROOT, REPO_ROOT / "platform"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def main() -> None:
    if sys.argv[1:2] == ["detect_shots"]:
        # Shot detection needs no Django: skip its start-up (tagging/cli.py).
        from tagging.cli import fast_detect_shots

        code = fast_detect_shots(sys.argv[2:])
        if code is not None:
            sys.exit(code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
