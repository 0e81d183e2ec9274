"""Media uploads: only real images and videos are stored, refused files are deleted, nothing is served as a page."""

import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import clear_url_caches, reverse
from PIL import Image

from catalog.models import MediaAsset
from factories import make_title

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><script>fetch('/admin/')</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def upload(admin_client, name: str, data: bytes, kind: str = "image"):
    title = make_title()
    return admin_client.post(reverse("admin:catalog_mediaasset_add"), {
        "title": title.pk, "kind": kind, "role": "poster" if kind == "image" else "trailer",
        "file": SimpleUploadedFile(name, data, content_type="image/png"), "original_name": "", "metadata": "{}",
    })


@pytest.mark.parametrize(("name", "data", "kind", "reason"), [
    ("page.html", HTML, "image", ".html is not an accepted type"),
    ("logo.svg", SVG, "image", ".svg is not an accepted type"),
    ("poster.png.html", png_bytes(), "image", ".html is not an accepted type"),  # a PNG the browser would render as HTML
    ("poster.png", HTML, "image", "not a known image or video format"),
    ("poster.jpg", png_bytes(), "image", "the extension says jpeg but the bytes are png"),
    ("trailer.png", png_bytes(), "video", "uploaded as video but the bytes are a png image"),
    ("empty.png", b"", "image", "empty"),
])
def test_the_admin_refuses_anything_but_an_accepted_image_or_video_and_stores_nothing(
    admin_client, media_root, name, data, kind, reason
):
    response = upload(admin_client, name, data, kind)

    assert response.status_code == 200  # the form again, with the error
    assert reason in str(response.context["adminform"].form.errors["file"])
    assert not MediaAsset.objects.exists()
    assert stored_files(media_root) == []


def test_the_admin_stores_a_real_image(admin_client, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        response = upload(admin_client, "poster.png", png_bytes())

    assert response.status_code == 302
    asset = MediaAsset.objects.get()
    assert asset.file.name.endswith("poster.png")
    assert [path.name for path in stored_files(media_root)] == ["poster.png"]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("page.html", HTML, ".html is not an accepted type"),  # stored by a path that skipped the form's check
    ("bomb.png", png_bytes((200, 200)), "decompression bomb"),  # the right bytes, but over MAX_IMAGE_PIXELS
])
def test_a_file_refused_later_by_the_pipeline_is_deleted(media_root, settings, name, data, reason):
    from tagging import pipeline

    settings.MAX_IMAGE_PIXELS = 10_000
    asset = MediaAsset(title=make_title(), kind="image", role="still")
    asset.file.save(name, ContentFile(data), save=False)
    asset.save()
    stored = Path(asset.file.path)
    assert stored.is_file()

    pipeline.probe_asset(asset.pk)

    asset.refresh_from_db()
    assert asset.status == "failed" and name in asset.error and reason in asset.error
    assert not stored.exists() and not asset.file


def test_a_file_refused_by_fingerprinting_is_deleted(media_root):
    from catalog.media import fingerprint

    asset = MediaAsset(title=make_title(), kind="image", role="poster")
    asset.file.save("not-really.png", ContentFile(b"GIF89a but truncated garbage"), save=False)
    asset.save()
    stored = Path(asset.file.path)

    fingerprint(asset)

    asset.refresh_from_db()
    assert asset.status == "failed" and "not a readable image" in asset.error
    assert not stored.exists()


@pytest.fixture
def media_route(settings):
    """The development media route (DEBUG), on the default MEDIA_URL."""
    settings.DEBUG = True
    settings.ROOT_URLCONF = "marquee.urls"
    import importlib

    import marquee.urls

    importlib.reload(marquee.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(marquee.urls)
    clear_url_caches()


def put(media_root: Path, name: str, data: bytes) -> None:
    (media_root / "titles").mkdir(parents=True, exist_ok=True)
    (media_root / "titles" / name).write_bytes(data)


@pytest.mark.parametrize("name", ["old.html", "old.svg", "old.htm", "old.xml", "noextension"])
def test_media_not_on_the_allow_list_is_served_as_a_download_that_cannot_be_sniffed(client, media_root, media_route,
                                                                                   name):
    put(media_root, name, HTML)

    response = client.get(f"/media/titles/{name}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_an_allowed_image_is_served_inline_with_its_own_type(client, media_root, media_route):
    put(media_root, "poster.png", png_bytes())

    response = client.get("/media/titles/poster.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert not response.get("Content-Disposition", "").startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_separate_media_host_takes_the_route_away_from_the_site(settings):
    from marquee.media import media_urlpatterns

    settings.DEBUG = True
    assert media_urlpatterns() != []
    with override_settings(MEDIA_URL="https://media.marquee.example/"):
        assert media_urlpatterns() == []
    settings.DEBUG = False
    assert media_urlpatterns() == []


def test_ingest_media_refuses_a_page_before_storing_it(tmp_path, media_root):
    from django.core.management import CommandError, call_command

    page = tmp_path / "trailer.html"
    page.write_bytes(HTML)

    with pytest.raises(CommandError, match=r"trailer.html: .html is not an accepted type"):
        call_command("ingest_media", str(page), "--title", str(make_title().pk))
    assert not MediaAsset.objects.exists() and stored_files(media_root) == []
