"""The MovieLens folder format, read by one owner for both of its consumers: the importer
(`catalog.movielens`, tolerant: it reports a bad row and goes on) and the recommender's dataset
(`recommendations.dataset.from_movielens`, strict: a bad row stops the run). Django-free, so benchmarks
and the offline evaluation read the files without a database.
"""

import csv
import re
from collections.abc import Iterator
from pathlib import Path

RATINGS_HEADER = ["userId", "movieId", "rating", "timestamp"]
MOVIES_HEADER = ["movieId", "title", "genres"]
TAGS_HEADER = ["userId", "movieId", "tag", "timestamp"]
LINKS_HEADER = ["movieId", "imdbId", "tmdbId"]
NO_GENRES = "(no genres listed)"
TITLE_YEAR = re.compile(r"^(?P<name>.*?)\s*\((?P<year>\d{4})(?:[-–]\d{4}?)?\)\s*$")


class MovieLensFormatError(ValueError):
    """A file that is not MovieLens: wrong header or a row of the wrong width (names file and line)."""


def header_matches(first: list[str] | None, header: list[str]) -> bool:
    return first is not None and [column.strip() for column in first] == header


def read_rows(path: Path, header: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every row, strictly: a wrong header or column count raises, naming the line."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        first = next(reader, None)
        if not header_matches(first, header):
            raise MovieLensFormatError(f"{path}:1: header is {first!r}, expected {','.join(header)}")
        for fields in reader:
            if len(fields) != len(header):
                raise MovieLensFormatError(
                    f"{path}:{reader.line_num}: expected {len(header)} columns, found {len(fields)}"
                )
            yield reader.line_num, fields


def split_title(raw: str) -> tuple[str, int | None]:
    """'Toy Story (1995)' -> ('Toy Story', 1995); titles without a year keep their whole text."""
    match = TITLE_YEAR.match(raw.strip())
    if match:
        return match["name"].strip(), int(match["year"])
    return raw.strip(), None


def genre_names(raw: str) -> list[str]:
    """'Adventure|Children' -> ['Adventure', 'Children']; MovieLens's '(no genres listed)' is none."""
    return [g.strip() for g in raw.split("|") if g.strip() and g.strip() != NO_GENRES]


def normalize_tag(raw: str) -> str:
    return " ".join(raw.lower().split())[:100]
