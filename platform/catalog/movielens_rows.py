"""The importer's tolerant row reader: the well-formed rows of one MovieLens file, in batches, with each
bad row reported by file, line and reason (or raised on the first one when strict) and progress reported
as it goes.

What a bad row is and the field checks are `catalog.movielens_checks`; the headers, `catalog.movielens_files`.
"""

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from jobs import Progress, no_progress

from .movielens_checks import BadRow, FileReport, ImportReport, scan_file, undecodable_byte
from .movielens_files import header_matches

# Rows read between two progress reports: a report per row would cost more than the row (ml-25m has 25M).
PROGRESS_EVERY = 10_000


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class RowReader:
    """Reads the files of one import, counting each in its own FileReport inside `report`."""

    def __init__(
        self,
        report: ImportReport,
        *,
        strict: bool = False,
        batch_size: int = 5000,
        progress: Progress | None = None,
    ) -> None:
        self.report = report
        self.strict = strict
        self.batch_size = batch_size
        self.progress = progress or no_progress

    def file_report(self, path: Path) -> FileReport:
        """A new file's counts, listed in the import's report in the order the files are read."""
        report = FileReport(path.name)
        self.report.files.append(report)
        return report

    def batches(self, path: Path, header: list[str], report: FileReport) -> Iterator[list[tuple[int, list[str]]]]:
        """`rows`, batch_size at a time: each file is written a batch per query, so memory stays bounded."""
        return _batches(self.rows(path, header, report), self.batch_size)

    def rows(self, path: Path, header: list[str], report: FileReport) -> Iterator[tuple[int, list[str]]]:
        """Yield (line number, fields) for well-formed rows; report the rest by file and line.

        A byte-order mark is skipped; rows with bytes that are not UTF-8, an unparseable field (one
        over the csv module's 128 KB limit) or the wrong number of columns are reported, not fatal.
        """
        total, valid_utf8 = scan_file(path)
        with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
            reader = csv.reader(handle)
            try:
                first = next(reader, None)
            except csv.Error as error:
                raise BadRow(path.name, reader.line_num, f"header is unreadable ({error})") from None
            if not header_matches(first, header):
                raise BadRow(path.name, 1, f"header is {first!r}, expected {','.join(header)}")
            for line, fields in self._parsed(reader, path.name, report):
                report.read += 1
                if report.read % PROGRESS_EVERY == 0:
                    self.progress(report.read, total, path.name)
                if not valid_utf8 and (byte := undecodable_byte(fields)):
                    self.bad(report, path.name, line, f"not valid UTF-8 (byte {byte})", "invalid UTF-8")
                    continue
                if len(fields) != len(header):
                    self.bad(report, path.name, line, f"expected {len(header)} columns, found {len(fields)}",
                             "wrong column count")
                    continue
                yield line, fields
            self.progress(report.read, total, path.name)

    def _parsed(self, reader, file: str, report: FileReport) -> Iterator[tuple[int, list[str]]]:
        """The csv reader's rows with their line numbers; a row it cannot parse is reported and skipped."""
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                report.read += 1
                reason = str(error)
                if "field larger than field limit" in reason:
                    reason = f"a field is longer than {csv.field_size_limit()} characters"
                self.bad(report, file, reader.line_num, reason, "unparseable row")
                continue
            yield reader.line_num, fields

    def bad(self, report: FileReport, file: str, line: int, reason: str, kind: str) -> None:
        """Count a bad row under `kind` and keep it for the summary; when strict, raise it instead."""
        problem = BadRow(file, line, reason)
        if self.strict:
            raise problem
        report.skipped[kind] += 1
        self.report.bad_rows.append(problem)

    def bad_field(self, report: FileReport, file: str, line: int, error: ValueError) -> None:
        """A field check failed: its message names the field first ("userId ..."), which is also the kind."""
        self.bad(report, file, line, str(error), f"bad {str(error).split(' ', 1)[0]}")

    def known_title(self, report: FileReport, file: str, line: int, ml_movie: int, title_ids: dict[int, int]) -> bool:
        """Whether the row's movieId was imported from movies.csv; if not, the row is reported."""
        if ml_movie in title_ids:
            return True
        self.bad(report, file, line, f"unknown movieId {ml_movie}", "unknown movieId")
        return False
