"""Where Marquee keeps its files: the repository root, and var/ for runtime state (databases, broker, media)."""

from pathlib import Path

from .env import env_str

REPO_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env_str("MARQUEE_VAR_DIR", str(REPO_ROOT / "var")))
