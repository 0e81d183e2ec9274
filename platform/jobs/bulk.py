"""Bulk inserts shared by importers and buffered loggers."""

from collections.abc import Iterable

from django.db import connection, models


def _copy_statement(model: type[models.Model], columns: list[str]) -> str:
    quote = connection.ops.quote_name
    return f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"


def insert_rows(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """Insert plain rows fast: PostgreSQL's COPY when available, bulk_create elsewhere.

    `columns` are database column names (`profile_id`, not `profile`); the caller supplies every
    NOT NULL column, since COPY applies no Django-side defaults.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000)
        return
    with connection.cursor() as cursor, cursor.cursor.copy(_copy_statement(model, columns)) as copy:
        for row in rows:
            copy.write_row(row)


def copy_text(model: type[models.Model], columns: list[str], chunks: Iterable[str]) -> None:
    """PostgreSQL only: COPY rows already in COPY's text format (tab-separated, \\N for null, one per line),
    sent chunk by chunk as the iterable yields them."""
    with connection.cursor() as cursor, cursor.cursor.copy(_copy_statement(model, columns)) as copy:
        for chunk in chunks:
            if chunk:
                copy.write(chunk)
