"""Knowledge-base files: the shipped KB and benchmark set are well-formed; import is idempotent and reports errors."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from support_bot.knowledge import import_entries, validate_entry
from support_bot.models import FaqEntry, FaqQuestion

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_knowledge_base_is_valid_and_large_enough():
    data = json.loads((ROOT / "support_bot" / "data" / "faq.json").read_text())
    problems = [err for pos, raw in enumerate(data, 1) for err in validate_entry(pos, raw)[1]]
    assert problems == []
    assert len(data) >= 40
    assert all(len(entry["questions"]) >= 8 for entry in data)
    assert len({entry["id"] for entry in data}) == len(data)


def test_the_heldout_benchmark_set_is_separate_from_the_knowledge_base():
    kb = json.loads((ROOT / "support_bot" / "data" / "faq.json").read_text())
    bench = json.loads((ROOT / "bench" / "data" / "support_heldout.json").read_text())
    kb_questions = {q.strip().lower() for e in kb for q in e["questions"]}
    assert not [x for x in bench["in_scope"] if x["question"].strip().lower() in kb_questions]
    per_entry = {e["id"]: 0 for e in kb}
    for item in bench["in_scope"]:
        per_entry[item["faq_id"]] += 1
    assert min(per_entry.values()) >= 5
    assert len(bench["out_of_scope"]) >= 100


ENTRY = {"id": "test-entry", "category": "billing", "questions": ["first question?", "second question?"],
         "answer": "You are on {plan}."}


def test_import_is_idempotent_by_id(db):
    first = import_entries([ENTRY])
    assert (first.created, first.questions_added) == (1, 2)
    again = import_entries([ENTRY])
    assert (again.created, again.updated, again.unchanged, again.questions_added) == (0, 0, 1, 0)
    assert FaqEntry.objects.filter(slug="test-entry").count() == 1
    assert FaqQuestion.objects.filter(entry__slug="test-entry").count() == 2

    changed = import_entries([{**ENTRY, "answer": "New answer.", "questions": ["third question?"]}])
    assert (changed.updated, changed.questions_added) == (1, 1)
    entry = FaqEntry.objects.get(slug="test-entry")
    assert entry.answer == "New answer."
    assert entry.questions.count() == 3


def test_malformed_entries_are_reported_by_position_and_field_and_the_rest_import(db):
    report = import_entries([
        ENTRY,
        {"id": "Bad Id", "category": "billing", "questions": ["q"], "answer": "a"},
        {"id": "no-category", "category": "Weather Stuff", "questions": ["q"], "answer": "a"},
        {"id": "no-questions", "category": "plans", "questions": [], "answer": "a"},
        {"id": "bad-template", "category": "plans", "questions": ["q"], "answer": "Hi {user.password}"},
        "not an object",
        {**ENTRY},
    ])
    text = "\n".join(report.errors)
    assert "entry 2" in text and "'id'" in text
    assert "entry 3 (no-category): field 'category'" in text
    assert "entry 4 (no-questions): field 'questions'" in text
    assert "entry 5 (bad-template): field 'answer'" in text and "user.password" in text
    assert "entry 6: must be an object" in text
    assert "entry 7 (test-entry): field 'id' repeats" in text
    assert report.created == 1
    assert not FaqEntry.objects.filter(slug__in=["no-category", "no-questions", "bad-template"]).exists()


def test_import_faq_command_reports_problems_and_export_round_trips(db, tmp_path, capsys):
    good = tmp_path / "faq.json"
    good.write_text(json.dumps([ENTRY]))
    call_command("import_faq", str(good))
    call_command("import_faq", str(good))
    assert "0 created, 0 updated, 1 unchanged" in capsys.readouterr().out

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "x-y", "category": "billing", "questions": "not a list", "answer": "a"}]))
    with pytest.raises(CommandError):
        call_command("import_faq", str(bad))
    assert "entry 1 (x-y): field 'questions'" in capsys.readouterr().err

    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": ')
    with pytest.raises(CommandError, match="line 1"):
        call_command("import_faq", str(broken))

    out = tmp_path / "export.json"
    call_command("export_faq", "--output", str(out))
    exported = {e["id"]: e for e in json.loads(out.read_text())}
    assert exported["test-entry"] == ENTRY


def test_a_knowledge_base_change_schedules_one_rebuild_after_commit(db, django_capture_on_commit_callbacks, monkeypatch):
    from support_bot import tasks

    sent = []
    monkeypatch.setattr(tasks.rebuild_support_index, "apply_async", lambda *a, **k: sent.append(k))
    with django_capture_on_commit_callbacks(execute=True):
        entry = FaqEntry.objects.create(slug="signal-test", category_id="plans", answer="x")
        FaqQuestion.objects.create(entry=entry, text="one?")
        FaqQuestion.objects.create(entry=entry, text="two?")
    assert len(sent) == 1
    with django_capture_on_commit_callbacks(execute=True):
        import_entries([ENTRY])
    assert len(sent) == 2


def test_the_rebuild_goes_to_the_ml_queue_by_the_task_routes():
    from celery import current_app

    from support_bot import tasks

    # Neither the task nor the caller names a queue: CELERY_TASK_ROUTES alone sends the build to `ml`.
    assert getattr(tasks.rebuild_support_index, "queue", None) is None
    assert current_app.amqp.router.route({}, tasks.rebuild_support_index.name)["queue"].name == "ml"


def test_ids_may_use_underscores_and_an_unknown_category_is_created_for_staff_to_edit(db):
    from support_bot.models import FaqCategory

    report = import_entries([{**ENTRY, "id": "gift_cards_redeem", "category": "gift_cards"}])
    assert (report.created, report.errors) == (1, [])
    entry = FaqEntry.objects.get(slug="gift_cards_redeem")
    assert entry.category == FaqCategory.objects.get(slug="gift_cards")
    assert entry.category.name == "Gift cards"
    assert FaqCategory.objects.filter(slug="billing", name="Billing").exists()  # the starting list is rows too


def test_ask_support_builds_an_engine_in_the_foreground_when_none_is_active(db, settings, tmp_path, monkeypatch,
                                                                             capsys):
    from support_engine import build_without_minilm, small_kb

    settings.MODEL_ARTIFACT_DIR = tmp_path
    build_without_minilm(settings, monkeypatch)
    FaqEntry.objects.all().delete()
    import_entries(small_kb()[:3])
    questions = tmp_path / "q.txt"
    questions.write_text("How do I cancel my subscription?\n")
    call_command("ask_support", "--file", str(questions), "--json")
    captured = capsys.readouterr()
    assert "building one now" in captured.err
    assert json.loads(captured.out.splitlines()[-1])["faq_id"] in {e["id"] for e in small_kb()[:3]}


def test_the_benchmark_sets_name_real_entries_and_the_background_set_stays_apart_from_the_test_set():
    kb_ids = {e["id"] for e in json.loads((ROOT / "support_bot" / "data" / "faq.json").read_text())}
    data = ROOT / "support_bot" / "data"
    test, dev = (json.loads((data / name).read_text()) for name in ("bench_test.json", "dev.json"))
    from support_bot.training import load_background

    background = load_background()  # hand-written and generated (bench/support_background.py)
    assert len(test["in_scope"]) >= 600 and len(test["out_of_scope"]) >= 300 and len(background) >= 300
    for shipped in (test, dev):
        assert {item["intent"] for item in shipped["in_scope"]} <= kb_ids

    def norm(text):
        return " ".join(text.lower().split())

    test_texts = {norm(item["text"]) for part in ("in_scope", "out_of_scope") for item in test[part]}
    assert not test_texts & {norm(q) for q in background}
    dev_texts = {norm(item["text"]) for part in ("in_scope", "out_of_scope") for item in dev[part]}
    generated = json.loads((data / "oos_background.json").read_text())["generated"]
    assert generated and not dev_texts & {norm(q) for q in generated}
