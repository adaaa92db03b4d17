"""Retry helpers for flaky I/O: a decorator for plain functions and one for coroutines."""

import asyncio
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger(__name__)


class RetryBudgetExceeded(Exception):
    """All attempts failed; ``__cause__`` holds the last error."""


def backoff_delays(
    attempts: int, base: float = 0.2, factor: float = 2.0, max_delay: float = 10.0, jitter=0.1
):
    """Yield the sleep before each retry: 0.2, 0.4, 0.8, ... capped, with ±10 % jitter."""
    delay = base
    for _ in range(attempts - 1):
        spread = delay * jitter
        yield min(max_delay, delay + random.uniform(-spread, spread))
        delay *= factor


def retry(
    attempts: int = 4,
    exceptions: tuple[type[BaseException], ...] = (OSError, TimeoutError),
    sleep: Callable[[float], None] = time.sleep,
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Retry a function when it raises one of ``exceptions``."""

    def decorator(func: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            delays = backoff_delays(attempts)
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except exceptions as exc:
                    if attempt == attempts:
                        raise RetryBudgetExceeded(
                            f"{func.__qualname__} failed {attempts} times"
                        ) from exc
                    pause = next(delays)
                    log.warning(
                        "%s: attempt %d failed (%s); retrying in %.2fs",
                        func.__qualname__,
                        attempt,
                        exc,
                        pause,
                    )
                    sleep(pause)
            raise AssertionError("unreachable")

        return wrapper

    return decorator


def aretry(attempts: int = 4, exceptions: tuple[type[BaseException], ...] = (OSError,)):
    """The coroutine flavour of :func:`retry`; sleeps with ``asyncio.sleep``."""

    def decorator(func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            last: BaseException | None = None
            for attempt, pause in enumerate([*backoff_delays(attempts), 0.0], start=1):
                try:
                    return await func(*args, **kwargs)
                except exceptions as exc:
                    last = exc
                    if attempt < attempts:
                        await asyncio.sleep(pause)
            raise RetryBudgetExceeded(f"{func.__qualname__} failed {attempts} times") from last

        return wrapper

    return decorator


@retry(attempts=3, sleep=lambda s: None)
def read_sensor(readings: list[float]) -> float:
    """Pop a reading; an empty list simulates a sensor that is not ready yet."""
    if not readings:
        raise TimeoutError("sensor not ready")
    return readings.pop()


async def _demo() -> None:
    calls = {"n": 0}

    @aretry(attempts=5)
    async def flaky_ping(host: str) -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise ConnectionResetError(f"{host}: connection reset")
        return f"pong from {host} après {calls['n']} essais"

    print(await flaky_ping("example.internal"))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    print(read_sensor([21.5, 22.0]))
    asyncio.run(_demo())
