"""The client side of bench/web_load.py: keep-alive clients on threads, and their rounds pooled."""

import http.client
import statistics
import threading
import time


def run_phase(port: int, path: str, sessions: list[str], clients: int, total: int, max_seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + max_seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": f"sessionid={sessions[index % len(sessions)]}", "Connection": "keep-alive"}
        local = []
        while time.monotonic() < deadline:
            with lock:
                if next(counter, None) is None:
                    break
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException) as error:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                response = error
            elapsed = time.perf_counter() - start
            if ok:
                local.append(elapsed)
            else:
                with lock:
                    errors.append(str(getattr(response, "status", response)))
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")  # noqa: E731
    return {"requests": len(latencies), "errors": len(errors), "error_kinds": sorted(set(errors))[:3], "latencies": latencies,
            "rps": len(latencies) / wall if wall else 0.0, "wall_s": wall, "p50_ms": pick(0.50), "p99_ms": pick(0.99),
            "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan")}


def pooled(runs: list[dict]) -> dict:
    """Median throughput over rounds; latency percentiles over every request of every round."""
    latencies = sorted(x for r in runs for x in r["latencies"])
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")  # noqa: E731
    return {"requests": len(latencies), "errors": sum(r["errors"] for r in runs),
            "error_kinds": sorted({k for r in runs for k in r["error_kinds"]})[:3],
            "rps": statistics.median(r["rps"] for r in runs), "round_rps": [r["rps"] for r in runs],
            "round_rps_cpu": [r["rps_cpu"] for r in runs], "round_rps_raw": [r["rps_raw"] for r in runs],
            "p50_ms": pick(0.50), "p99_ms": pick(0.99)}
