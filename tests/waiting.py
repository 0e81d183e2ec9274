"""Waiting for another process (a real worker) without racing the clock in each test."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float, message: str = "", *, interval: float = 0.2) -> T:
    """Call `predicate` until it returns something truthy and return that; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"not true within {timeout} s: {predicate}")
        time.sleep(interval)
