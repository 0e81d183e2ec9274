"""Tolerant reading of MovieLens rows for the importer: what a bad row is, what each file's report
counts, and the checks that turn a field's text into a value or a reason to skip the row (the reader
that applies them row by row is `catalog.movielens_rows`).

The format itself (headers, title and year, genres, tags) is `catalog.movielens_files`, shared with the
recommender's strict reader; these checks are the importer's, which reports a bad row and goes on.
"""

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

# Earliest MovieLens activity is 1995; anything before 1990 or in the future is a corrupt timestamp.
MIN_TIMESTAMP = int(datetime(1990, 1, 1, tzinfo=UTC).timestamp())
# Ids are stored in PositiveIntegerFields: PostgreSQL's `integer`, whose largest value this is.
MAX_ID = 2**31 - 1
# C0 controls, DEL and C1 controls (NUL among them): never part of a name, and PostgreSQL refuses NUL.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Undecodable bytes, read with errors="surrogateescape", become lone surrogates U+DC80..U+DCFF.
UNDECODABLE = re.compile(r"[\udc80-\udcff]")


class Link(NamedTuple):
    line: int
    imdb_id: str
    tmdb_id: int | None


class BadRow(Exception):
    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}")
        self.file, self.line, self.reason = file, line, reason


@dataclass
class FileReport:
    name: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    accounts_created: int = 0

    @property
    def bad_row_count(self) -> int:
        return sum(f.skipped_total for f in self.files)


def scan_file(path: Path) -> tuple[int, bool]:
    """(data lines, whether every byte is valid UTF-8), in one pass over the raw bytes.

    Rows are checked for undecodable bytes one by one only when this says the file has some.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, valid = 0, True
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            if valid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
    if valid:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    return max(lines - 1, 0), valid


def positive_id(value: str, column: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a whole number") from None
    if number <= 0:
        raise ValueError(f"{column} {value!r} is not a positive id")
    if number > MAX_ID:
        raise ValueError(f"{column} {value!r} is out of range (1 to {MAX_ID})")
    return number


def control_character(text: str) -> str | None:
    """'U+0000' for the first control character in `text`, or None when it has none."""
    found = CONTROL_CHARACTER.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def undecodable_byte(fields: list[str]) -> str | None:
    """The first byte that was not valid UTF-8 in a row read with surrogateescape, as '0xe9'."""
    for value in fields:
        if not value.isascii():
            found = UNDECODABLE.search(value)
            if found:
                return f"0x{ord(found.group()) - 0xDC00:02x}"
    return None


def unix_time(value: str, latest: int | None = None) -> datetime:
    try:
        seconds = int(value)
    except ValueError:
        raise ValueError(f"timestamp {value!r} is not a Unix time in seconds") from None
    if not MIN_TIMESTAMP <= seconds <= (latest or int(datetime.now(UTC).timestamp())):
        raise ValueError(f"timestamp {value!r} is outside 1990 to now")
    return datetime.fromtimestamp(seconds, UTC)


def half_stars(value: str) -> float:
    try:
        stars = float(value)
    except ValueError:
        raise ValueError(f"rating {value!r} is not a number") from None
    if not 0.5 <= stars <= 5.0 or (stars * 2) != int(stars * 2):
        raise ValueError(f"rating {value!r} out of range (0.5 to 5.0 in half stars)")
    return stars
