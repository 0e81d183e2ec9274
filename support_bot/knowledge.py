"""Knowledge-base files: validate, import (idempotent by entry id) and export the FAQ JSON format.

The format is a JSON list of {"id", "category", "questions": [...], "answer"}; a bad entry is reported by
its position in the list and the field at fault, and the good entries still import.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import KB_ID, STARTING_CATEGORIES, FaqCategory, FaqEntry, FaqQuestion
from .templating import template_errors

MAX_QUESTION_CHARS = FaqQuestion._meta.get_field("text").max_length
_batching: ContextVar[bool] = ContextVar("support_bot_kb_batching", default=False)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    questions_added: int = 0
    errors: list[str] = field(default_factory=list)


def batching() -> bool:
    """True while a bulk change runs; signal handlers then leave the one rebuild to the bulk operation."""
    return _batching.get()


@contextmanager
def batched_changes() -> Iterator[None]:
    token = _batching.set(True)
    try:
        yield
    finally:
        _batching.reset(token)


def validate_entry(position: int, raw: Any) -> tuple[dict | None, list[str]]:
    """A cleaned entry, or the errors naming position and field (position counts from 1)."""
    where = f"entry {position}"
    if not isinstance(raw, dict):
        return None, [f"{where}: must be an object with id, category, questions, answer"]
    errors = []
    entry_id = raw.get("id")
    if isinstance(entry_id, str) and entry_id:
        where = f"entry {position} ({entry_id})"
    if not _is_kb_id(entry_id, 80):
        errors.append(f"{where}: field 'id' must be an id (lower-case letters, digits, hyphens, underscores), "
                      f"got {entry_id!r}")
    category = raw.get("category")
    if not _is_kb_id(category, 40):
        errors.append(f"{where}: field 'category' must be a category id (lower-case letters, digits, hyphens, "
                      f"underscores; a new one is created), got {category!r}")
    questions = raw.get("questions")
    if not isinstance(questions, list) or not questions:
        errors.append(f"{where}: field 'questions' must be a non-empty list of strings")
        questions = []
    cleaned_questions = []
    for i, question in enumerate(questions, start=1):
        if not isinstance(question, str) or not question.strip():
            errors.append(f"{where}: field 'questions' item {i} must be a non-empty string")
        elif len(question.strip()) > MAX_QUESTION_CHARS:
            errors.append(f"{where}: field 'questions' item {i} is longer than {MAX_QUESTION_CHARS} characters")
        elif question.strip() not in cleaned_questions:
            cleaned_questions.append(question.strip())
    answer = raw.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        errors.append(f"{where}: field 'answer' must be a non-empty string")
    else:
        errors += [f"{where}: field 'answer': {problem}" for problem in template_errors(answer)]
    unknown = set(raw) - {"id", "category", "questions", "answer"}
    if unknown:
        errors.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if errors:
        return None, errors
    return {"id": entry_id, "category": category, "questions": cleaned_questions, "answer": answer.strip()}, []


def _is_kb_id(value: Any, max_length: int) -> bool:
    if not isinstance(value, str) or not value or len(value) > max_length:
        return False
    try:
        KB_ID(value)
    except ValidationError:
        return False
    return True


def load_file(path: str | Path) -> list:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, list):
        raise ValueError(f"{path}: the top level must be a JSON list of entries")
    return data


def import_entries(data: list) -> ImportReport:
    """Create or update entries by id; questions are added, never duplicated. Running it twice changes nothing."""
    report = ImportReport()
    seen: set[str] = set()
    with batched_changes(), transaction.atomic():
        for position, raw in enumerate(data, start=1):
            entry, errors = validate_entry(position, raw)
            if entry and entry["id"] in seen:
                errors = [f"entry {position} ({entry['id']}): field 'id' repeats an earlier entry in this file"]
            if errors:
                report.errors += errors
                continue
            seen.add(entry["id"])
            _upsert(entry, report)
    if report.created or report.updated or report.questions_added:
        from .services import schedule_rebuild

        schedule_rebuild()
    return report


def _upsert(entry: dict, report: ImportReport) -> None:
    category = entry["category"]
    FaqCategory.objects.get_or_create(slug=category, defaults={"name": category_name(category)})
    obj, created = FaqEntry.objects.get_or_create(
        slug=entry["id"], defaults={"category_id": category, "answer": entry["answer"]}
    )
    changed = False
    if not created and (obj.category_id, obj.answer) != (category, entry["answer"]):
        obj.category_id, obj.answer = category, entry["answer"]
        obj.save(update_fields=["category", "answer", "updated_at"])
        changed = True
    existing = set(obj.questions.values_list("text", flat=True))
    new = [FaqQuestion(entry=obj, text=q) for q in entry["questions"] if q not in existing]
    FaqQuestion.objects.bulk_create(new)
    report.questions_added += len(new)
    if created:
        report.created += 1
    elif changed or new:
        report.updated += 1
    else:
        report.unchanged += 1


def category_name(slug: str) -> str:
    """The display name a category gets when an import creates it (staff may rename it in the admin)."""
    return STARTING_CATEGORIES.get(slug) or slug.replace("_", " ").replace("-", " ").capitalize()


def export_entries() -> list[dict]:
    entries = FaqEntry.objects.prefetch_related("questions").order_by("category_id", "slug")
    return [
        {"id": e.slug, "category": e.category_id, "questions": [q.text for q in e.questions.all()], "answer": e.answer}
        for e in entries
    ]
