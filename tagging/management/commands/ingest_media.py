"""python manage.py ingest_media PATH --title ID [--role ROLE]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import MediaAsset, Title
from tagging import services


class Command(BaseCommand):
    help = "Add a video or image file to a title as a MediaAsset; the tagging pipeline is queued on the media queue."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--title", type=int, required=True, help="catalog Title id")
        parser.add_argument("--role", choices=[value for value, _ in MediaAsset.Role.choices])

    def handle(self, path: Path, title: int, role: str | None, **options):
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        target = Title.objects.filter(pk=title).first()
        if target is None:
            raise CommandError(f"--title {title}: no such title")
        try:
            asset = services.ingest_file(path, target, role)
        except ValueError as error:
            raise CommandError(str(error)) from None
        asset.refresh_from_db()
        self.stdout.write(
            f"asset {asset.pk}: {asset.get_kind_display().lower()} {asset.get_role_display().lower()} of "
            f"{target} stored as {asset.file.name}; status {asset.status}"
            + (f" ({asset.error})" if asset.error else "")
        )
