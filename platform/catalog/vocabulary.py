"""Reading a tag vocabulary file: a JSON document {"tags": [{"name", "kind", "description"}, ...]}.

The file itself belongs to the feature that owns the vocabulary (tagging/vocabulary.json); the project's
settings name it (TAGGING_VOCABULARY_FILE), so the core reads it without importing the feature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .models import Tag


class VocabularyError(ValueError):
    """The vocabulary file is unreadable or an entry is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class VocabularyWord:
    name: str
    kind: str  # a Tag.Kind value
    description: str


def read_vocabulary(path: str | Path) -> list[VocabularyWord]:
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise VocabularyError(f"{path}: cannot read the tag vocabulary ({error})") from None
    entries = document.get("tags") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise VocabularyError(f'{path}: expected an object with a "tags" list')
    words, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: tag {number}"
        if not isinstance(entry, dict):
            raise VocabularyError(f"{where}: expected an object")
        name, kind, description = entry.get("name"), entry.get("kind"), entry.get("description")
        if not isinstance(name, str) or not name.strip():
            raise VocabularyError(f'{where}: field "name" must be a non-empty string')
        if kind not in Tag.Kind.values:
            raise VocabularyError(f'{where} ({name}): field "kind" must be one of {sorted(Tag.Kind.values)}')
        if not isinstance(description, str) or not description.strip():
            raise VocabularyError(f'{where} ({name}): field "description" must be a non-empty string')
        if name in seen:
            raise VocabularyError(f"{where}: {name!r} is listed twice")
        seen.add(name)
        words.append(VocabularyWord(name=name.strip(), kind=kind, description=description.strip()))
    return words
