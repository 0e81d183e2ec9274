"""The project's wiring: the stdlib `platform` stays importable, settings fail loudly, admin pages load."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from marquee.env import env_bool, env_int

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, **env},
    )


def test_stdlib_platform_is_not_shadowed_from_the_repo_root():
    # The repo's `platform/` folder must not be what `import platform` finds: it has no `system()`.
    result = run_python("import platform, sysconfig; print(platform.__file__); print(sysconfig.get_path('stdlib'))")
    assert result.returncode == 0, result.stderr
    module_file, stdlib = result.stdout.split()
    assert Path(module_file).parent == Path(stdlib)
    assert not Path(module_file).is_relative_to(REPO_ROOT)


def test_celery_and_the_project_import_together_from_the_repo_root():
    result = run_python("import celery, marquee, catalog.embeddings; print(marquee.celery_app.main)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "marquee"


def test_a_web_process_starts_without_the_workers_heavy_libraries():
    """OpenCV (~18 MB), torch, LightFM and numba are imported by the tasks that use them, not by every web process."""
    code = (
        "import sys, django; django.setup(); from django.contrib import admin; admin.autodiscover(); "
        "import marquee.urls, marquee.wsgi; "
        "print(sorted(m for m in ('cv2', 'torch', 'lightfm', 'numba') if m in sys.modules))"
    )
    result = run_python(code, DJANGO_SETTINGS_MODULE="marquee.settings")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_cache_url_picks_the_backend_and_names_itself_when_unsupported(tmp_path):
    code = "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    shared = run_python(code, DJANGO_SETTINGS_MODULE="marquee.settings", CACHE_URL=f"file://{tmp_path}")
    assert shared.returncode == 0, shared.stderr
    assert shared.stdout.strip().endswith("FileBasedCache")
    refused = run_python(code, DJANGO_SETTINGS_MODULE="marquee.settings", CACHE_URL="memcached://127.0.0.1")
    assert refused.returncode != 0 and "CACHE_URL='memcached://127.0.0.1'" in refused.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {"DEBUG": "0", "SECRET_KEY": "", "DJANGO_SETTINGS_MODULE": "marquee.settings"}
    result = run_python("import django; django.setup()", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_env_helpers_name_the_variable_they_could_not_parse(monkeypatch):
    monkeypatch.setenv("MARQUEE_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="MARQUEE_FLAG='maybe' is not a boolean"):
        env_bool("MARQUEE_FLAG")
    monkeypatch.setenv("MARQUEE_COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="MARQUEE_COUNT='ten' is not an integer"):
        env_int("MARQUEE_COUNT", 3)
    monkeypatch.setenv("MARQUEE_FLAG", "yes")
    assert env_bool("MARQUEE_FLAG") is True


@pytest.mark.django_db
def test_every_admin_changelist_and_add_page_loads_for_staff(admin_client, admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
        if model_admin.has_add_permission(request):
            add_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert admin_client.get(add_url).status_code == 200, add_url


@pytest.mark.django_db
def test_staff_groups_exist_with_least_privilege():
    from django.contrib.auth.models import Group

    editors = Group.objects.get(name="Content editors")
    marketers = Group.objects.get(name="Marketers")
    agents = Group.objects.get(name="Support agents")
    assert editors.permissions.filter(codename="change_title").exists()
    assert not marketers.permissions.filter(codename="change_title").exists()
    assert marketers.permissions.filter(codename="view_viewingevent").exists()
    assert not agents.permissions.filter(codename__startswith="delete_").exists()


def test_the_filesystem_broker_keeps_its_control_files_under_var(tmp_path):
    """kombu's default control folder is `control/` in the working directory: it used to land in the repo."""
    code = (
        "import django; django.setup(); from marquee.celery import app; "
        "app.send_task('jobs.tasks.nothing', queue='default')"
    )
    var = tmp_path / "var"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "marquee.settings", "MARQUEE_VAR_DIR": str(var),
             "CELERY_BROKER_URL": "filesystem://", "PYTHONPATH": f"{REPO_ROOT}:{REPO_ROOT / 'platform'}"},
    )
    assert result.returncode == 0, result.stderr
    assert (var / "broker" / "control" / "default.exchange").is_file()
    assert not (tmp_path / "control").exists()


@pytest.mark.django_db
def test_logs_and_locks_written_by_the_platform_have_no_add_or_edit_form(admin_user):
    from django_celery_results.models import GroupResult, TaskResult

    from activity.models import Impression, ViewingEvent
    from jobs.models import JobLock

    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model in (Impression, ViewingEvent, TaskResult, GroupResult, JobLock):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model.__name__
        assert not model_admin.has_change_permission(request), model.__name__
