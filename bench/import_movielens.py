"""Benchmark: import_movielens into PostgreSQL against PostgreSQL's own COPY of the same ratings file.

    .venv/bin/python bench/import_movielens.py ../shared/data/ml-latest-small [--scale 4]

COPY into a plain table is the physical limit of this path (no parsing in Python, no
constraints, no indexes), so "importer rows/s ÷ COPY rows/s" says how close we are. Peak
memory is the importer process's max RSS, next to an idle Django process as the anchor;
--scale N also imports a ratings file N times larger to show memory stays bounded.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

REPO_ROOT = Path(__file__).resolve().parents[1]
SERVER = "postgres://postgres@127.0.0.1:5432"


def recreate_database(name: str) -> str:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def run_measured(args: list[str], database_url: str) -> tuple[float, float, str]:
    """Run a manage.py command; return (seconds, that process's peak RSS in MiB, its stdout)."""
    env = {**os.environ, "DATABASE_URL": database_url}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{err.read()[-3000:]}")
        return elapsed, usage.ru_maxrss / 1024, out.read()


def copy_anchor(database_url: str, ratings: Path) -> tuple[float, int]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_ratings_copy")
        conn.execute("CREATE TABLE bench_ratings_copy (user_id int, movie_id int, rating real, ts bigint)")
        started = time.perf_counter()
        with conn.cursor() as cursor, ratings.open("rb") as handle:
            with cursor.copy("COPY bench_ratings_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    copy.write(chunk)
        elapsed = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM bench_ratings_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_ratings_copy")
    return elapsed, rows


def scaled_copy(source: Path, folder: Path, scale: int) -> Path:
    """The same folder with ratings.csv repeated `scale` times under new user ids."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("movies.csv", "links.csv"):
        (folder / name).write_bytes((source / name).read_bytes())
    with (source / "ratings.csv").open(newline="") as src, (folder / "ratings.csv").open("w", newline="") as dst:
        rows = list(csv.reader(src))
        writer = csv.writer(dst)
        writer.writerow(rows[0])
        offset = max(int(r[0]) for r in rows[1:])
        for copy_index in range(scale):
            for user, movie, rating, ts in rows[1:]:
                writer.writerow([int(user) + copy_index * offset, movie, rating, ts])
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, help="MovieLens folder (e.g. ml-latest-small)")
    parser.add_argument("--scale", type=int, default=0, help="also import ratings repeated N times (memory bound)")
    args = parser.parse_args()
    ratings = args.path / "ratings.csv"
    total_rows = sum(max(sum(1 for _ in (args.path / f).open()) - 1, 0)
                     for f in ("movies.csv", "links.csv", "ratings.csv", "tags.csv") if (args.path / f).exists())

    url = recreate_database("marquee_bench_import")
    run_measured(["migrate", "-v0"], url)
    idle_seconds, idle_rss, _ = run_measured(["check"], url)

    copy_seconds, copy_rows = copy_anchor(url, ratings)
    import_seconds, import_rss, report = run_measured(["import_movielens", str(args.path), "--no-progress"], url)
    again_seconds, _, again = run_measured(["import_movielens", str(args.path), "--no-progress"], url)

    copy_rate = copy_rows / copy_seconds
    import_rate = total_rows / import_seconds
    print(report)
    print(f"{'':<34}{'rows':>10}{'seconds':>10}{'rows/s':>12}")
    print(f"{'PostgreSQL COPY (ratings.csv)':<34}{copy_rows:>10}{copy_seconds:>10.2f}{copy_rate:>12.0f}")
    print(f"{'import_movielens (all 4 files)':<34}{total_rows:>10}{import_seconds:>10.2f}{import_rate:>12.0f}")
    print(f"{'import_movielens again (no-op)':<34}{total_rows:>10}{again_seconds:>10.2f}{total_rows / again_seconds:>12.0f}")
    print(f"\nthroughput ratio importer / COPY: {import_rate / copy_rate:.3f}")
    print(f"peak RSS: importer {import_rss:.0f} MiB vs idle Django process {idle_rss:.0f} MiB "
          f"(ratio {import_rss / idle_rss:.2f})")

    if args.scale:
        with tempfile.TemporaryDirectory() as folder:
            big = scaled_copy(args.path, Path(folder), args.scale)
            url = recreate_database("marquee_bench_import")
            run_measured(["migrate", "-v0"], url)
            seconds, big_rss, _ = run_measured(["import_movielens", str(big), "--no-progress"], url)
            print(f"ratings x{args.scale}: {seconds:.1f} s, peak RSS {big_rss:.0f} MiB "
                  f"(ratio to 1x: {big_rss / import_rss:.2f})")


if __name__ == "__main__":
    main()
