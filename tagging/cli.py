"""`manage.py detect_shots VIDEO [--json]` without starting Django: shot detection needs no database or app.

manage.py hands the plain form of the command here before importing Django (which costs about a second
or more); anything else (`--help`, `--verbosity`, `--settings`, ...) still goes through Django's command,
which calls the same `run`, so both print exactly the same thing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO


class DetectShotsError(Exception):
    """What the command prints as its error (no such file, not a video)."""


def run(video: Path, *, as_json: bool, out: TextIO, err: TextIO) -> None:
    """Detect and print the shots of `video`; progress on `err` so --json stays machine-readable."""
    if not video.is_file():
        raise DetectShotsError(f"{video}: no such file")
    from .shots import detect_shots
    from .video_decoding import VideoReadError

    progress, close = _progress_bar(err)
    try:
        result = detect_shots(video, progress=progress)
    except VideoReadError as error:
        raise DetectShotsError(str(error)) from None
    finally:
        close()
    if as_json:
        out.write(json.dumps(result.as_json()) + "\n")
        return
    out.write(f"{video}: {result.frames} frames at {result.fps:g} fps, {len(result.shots)} shots\n")
    for k, shot in enumerate(result.shots):
        out.write(
            f"{k:>4}  frames {shot.start_frame:>7}-{shot.end_frame:<7} {shot.start_s:>9.3f}-{shot.end_s:<9.3f} s  "
            f"{shot.transition}\n"
        )


def _progress_bar(err: TextIO):
    """(progress(done, total), close()) drawing a bar on a terminal; nothing otherwise.

    tqdm is imported only for a terminal (it would draw nothing elsewhere): importing it costs about 0.1 s,
    a fifth of the command's start-up when another program reads its --json.
    """
    isatty = getattr(err, "isatty", None)
    if not (isatty and isatty()):
        return (lambda done, total: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(desc="frames", unit=" frames", file=err, leave=False)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return progress, bar.close


def fast_detect_shots(args: list[str]) -> int | None:
    """The exit code of the plain `detect_shots VIDEO [--json]`; None when Django's command must handle it."""
    positional = [a for a in args if not a.startswith("-")]
    options = [a for a in args if a.startswith("-")]
    if len(positional) != 1 or any(option != "--json" for option in options):
        return None
    try:
        run(Path(positional[0]), as_json="--json" in options, out=sys.stdout, err=sys.stderr)
    except DetectShotsError as error:
        sys.stderr.write(f"CommandError: {error}\n")  # as Django prints a CommandError
        return 1
    return 0
