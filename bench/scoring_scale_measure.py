"""The measured side of bench/scoring_scale.py: synthetic profiles and the per-size child processes.

`measure` and `measure_with_writes` each run in a fresh spawned process (the script's pool), so the peak
RSS they report is one size's alone.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from recommendations.hybrid import Embeddings

# The production settings' defaults (platform/marquee/feature_settings.py), which a chunk runs with.
CANDIDATES = 100  # RECOMMENDER_CANDIDATES
PEER_CANDIDATES = 50  # RECOMMENDER_PEER_CANDIDATES
THREADS = 2  # RECOMMENDER_THREADS
FANOUT_CHUNK = 5_000  # RECOMMENDER_FANOUT_CHUNK
WRITE_CHUNK = 512  # write_candidates' default chunk


def synthetic_profiles(
    emb: Embeddings, n: int, *, seed: int = 0, seen_range: tuple[int, int] = (3, 20), liked_share: float = 0.7
) -> tuple[Embeddings, sp.csr_matrix, sp.csr_matrix]:
    """`n` profiles like the trained ones: (embeddings holding their vectors, seen titles, liked titles).

    Vectors are drawn from a normal with the trained users' mean and covariance; each profile has seen
    a few titles (between `seen_range`, drawn by popularity, repeats merged) and liked about
    `liked_share` of them.
    """
    rng = np.random.default_rng(seed)
    trained = emb.user_vectors.astype(np.float64)
    vectors = rng.multivariate_normal(trained.mean(axis=0), np.cov(trained, rowvar=False), size=n, method="cholesky")
    n_items = len(emb.item_ids)
    counts = rng.integers(seen_range[0], seen_range[1] + 1, size=n)
    popularity = emb.item_popularity.astype(np.float64) + 1.0
    items = rng.choice(n_items, size=int(counts.sum()), p=popularity / popularity.sum())
    users = np.repeat(np.arange(n), counts)
    seen = sp.csr_matrix((np.ones(len(items), dtype=np.float32), (users, items)), shape=(n, n_items))
    seen.sum_duplicates()
    seen.data[:] = 1
    liked = seen.copy()
    liked.data = (rng.random(len(liked.data)) < liked_share).astype(np.float32)
    liked.eliminate_zeros()
    profiles = replace(emb, user_vectors=vectors.astype(np.float32), user_ids=np.arange(1, n + 1, dtype=np.int64))
    return profiles, seen, liked


def rss_mb() -> float:
    """The resident set now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def score_chunk(emb: Embeddings, users: np.ndarray, seen: sp.csr_matrix, liked: sp.csr_matrix) -> dict[str, tuple]:
    """Run a fan-out chunk's two generators to the end, as write_candidates consumes them; (wall, CPU) seconds each."""
    from recommendations.scoring import peer_lists, top_n_for_users

    out = {}
    runs = {
        "top_n": lambda: top_n_for_users(emb, users, seen, CANDIDATES, WRITE_CHUNK, workers=THREADS),
        "peers": lambda: peer_lists(emb, liked, users, seen, PEER_CANDIDATES, chunk=WRITE_CHUNK),
    }
    for name, run in runs.items():
        started, started_cpu = time.perf_counter(), time.process_time()
        for _batch, _best, _scores in run():
            pass
        out[name] = (time.perf_counter() - started, time.process_time() - started_cpu)
    return out


def measure(artifact: str, n: int, chunk: int, seed: int) -> dict:
    """One profile count, in its own process: generate, warm up, then score chunk by chunk."""
    from tqdm import tqdm

    emb = Embeddings.from_bytes(Path(artifact).read_bytes())
    started = time.perf_counter()
    profiles, seen, liked = synthetic_profiles(emb, n, seed=seed)
    generate_s = time.perf_counter() - started
    # Warm-up on other profiles: numba's compiled selection and the thread pools load once per worker.
    warm, warm_seen, warm_liked = synthetic_profiles(emb, 64, seed=seed + 1)
    score_chunk(warm, np.arange(64), warm_seen, warm_liked)
    del warm, warm_seen, warm_liked
    before_mb = rss_mb()
    totals = {"top_n": [0.0, 0.0], "peers": [0.0, 0.0]}
    users = np.arange(n)
    parts = range(0, n, chunk)
    for start in tqdm(parts, desc=f"{n:>9,} profiles", unit="chunk", file=sys.stderr):
        for name, (wall, cpu) in score_chunk(profiles, users[start : start + chunk], seen, liked).items():
            totals[name][0] += wall
            totals[name][1] += cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return {
        "profiles": n, "chunks": len(parts), "generate_s": generate_s, "rss_before_mb": before_mb, "peak_mb": peak_mb,
        **{f"{name}_s": wall for name, (wall, _cpu) in totals.items()},
        **{f"{name}_cpu_s": cpu for name, (_wall, cpu) in totals.items()},
    }


def measure_with_writes(artifact: str, n: int, chunk: int, seed: int, workdir: str) -> dict:
    """The same profiles through `candidates.write_candidates` itself, Candidate rows written to SQLite.

    In its own process with a throwaway database: minimal accounts, profiles and titles, so the rows'
    foreign keys hold; timed per fan-out chunk like `measure` (without the warm-up, which the scoring-only
    run has shown is small).
    """
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
    os.environ["MODEL_ARTIFACT_DIR"] = str(Path(workdir) / "models")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from tqdm import tqdm

    from accounts.models import Profile, User
    from catalog.models import Title
    from recommendations.candidates import write_candidates
    from recommendations.models import Candidate, ModelVersion

    call_command("migrate", verbosity=0)
    emb = Embeddings.from_bytes(Path(artifact).read_bytes())
    profiles, seen, liked = synthetic_profiles(emb, n, seed=seed)
    User.objects.bulk_create(User(email=f"bench{i}@example.invalid") for i in range(n))
    accounts = list(User.objects.order_by("pk").values_list("pk", flat=True))
    Profile.objects.bulk_create(Profile(account_id=pk, name="Main") for pk in accounts)
    Title.objects.bulk_create(Title(name=f"title {pk}") for pk in emb.item_ids.tolist())
    profiles = replace(
        profiles, user_ids=np.array(Profile.objects.order_by("pk").values_list("pk", flat=True), dtype=np.int64),
        item_ids=np.array(Title.objects.order_by("pk").values_list("pk", flat=True), dtype=np.int64),
    )
    version = ModelVersion.objects.create(version=1)
    users = np.arange(n)
    started, started_cpu = time.perf_counter(), time.process_time()
    for start in tqdm(range(0, n, chunk), desc=f"{n:>9,} profiles, writing", unit="chunk", file=sys.stderr):
        with transaction.atomic():  # as rescore_profiles writes a chunk
            write_candidates(version, profiles, users[start : start + chunk], seen, liked)
    return {
        "profiles": n, "write_s": time.perf_counter() - started, "write_cpu_s": time.process_time() - started_cpu,
        "rows": Candidate.objects.count(), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
