"""A built (non-editable) Marquee carries the data files its code reads at run time."""

import importlib.resources
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the tracked files (so the build leaves nothing in the worktree)."""
    root = tmp_path_factory.mktemp("wheel")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    source = root / "source"
    for name in filter(None, listed.decode().split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         str(source), "-w", str(root / "dist")],
        check=True, capture_output=True,
    )
    (built,) = (root / "dist").glob("marquee-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_ships_the_tag_vocabulary(wheel):
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("tagging/vocabulary.json") == (REPO / "tagging" / "vocabulary.json").read_bytes()


@pytest.mark.slow
def test_an_installed_build_finds_the_vocabulary_without_the_repository(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)],
        check=True, capture_output=True,
    )
    # -S: no site-packages, so the editable install of this worktree cannot answer instead of the wheel.
    found = subprocess.run(
        [sys.executable, "-S", "-c",
         "import importlib.resources as r; f = r.files('tagging').joinpath('vocabulary.json'); print(f, f.is_file())"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(target)}, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert found == [str(target / "tagging" / "vocabulary.json"), "True"]


def test_the_setting_names_the_vocabulary_found_as_package_data():
    assert settings.TAGGING_VOCABULARY_FILE == str(importlib.resources.files("tagging").joinpath("vocabulary.json"))
    assert Path(settings.TAGGING_VOCABULARY_FILE).is_file()
