"""Progress lines about the API client's retries: said once, then summarised.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pulumi_huggingface.client import RetryEvent

__all__ = ["RetryProgressLines"]

# During an outage every request is retried: per target (an endpoint), the first retry is said in
# full and the rest summarised at most this often; a target without a retry for the quiet time
# starts afresh.
_RETRY_SUMMARY_SECONDS: Final = 30.0
_RETRY_QUIET_SECONDS: Final = 60.0


@dataclasses.dataclass
class _RetriesAboutOneTarget:
    """The retries about one target: when the last came, when a line last said them, which causes
    are not said yet (and how often each)."""

    last_retry_at: float
    last_line_at: float
    unsaid: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)


class RetryProgressLines:
    """Turns the client's retry events into progress lines that name what they are about, once.

    The first retry about an endpoint is one full line; the following ones are counted and
    summarised at most every `_RETRY_SUMMARY_SECONDS`, so an outage, in which every poll is retried,
    does not flood the output. Called from every thread that uses the client.
    """

    def __init__(self, emit: Callable[[str], None], now: Callable[[], float]) -> None:
        self._emit = emit
        self._now = now
        self._lock = threading.Lock()
        self._episodes: dict[str, _RetriesAboutOneTarget] = {}

    @contextlib.contextmanager
    def summarised(self, target: str) -> Iterator[None]:
        """At the end of the block (an operation on `target`), summarise its retries not said yet."""
        try:
            yield
        finally:
            now = self._now()
            with self._lock:
                episode = self._episodes.get(target)
                line = self._summary(target, episode, now, "") if episode and episode.unsaid else None
            if line is not None:
                self._emit(line)

    @staticmethod
    def _summary(target: str, episode: _RetriesAboutOneTarget, now: float, tail: str) -> str:
        causes = ", ".join(f"{cause}: {count}" for cause, count in episode.unsaid.most_common())
        line = (
            f"huggingface: {target}: {episode.unsaid.total()} more retries in the last "
            f"{now - episode.last_line_at:.0f} s ({causes}){tail}"
        )
        episode.unsaid.clear()
        episode.last_line_at = now
        return line

    def __call__(self, event: RetryEvent) -> None:
        target = event.target or f"{event.method} {event.route}"
        now = self._now()
        with self._lock:
            episode = self._episodes.get(target)
            if episode is None or now - episode.last_retry_at > _RETRY_QUIET_SECONDS:
                self._episodes[target] = _RetriesAboutOneTarget(last_retry_at=now, last_line_at=now)
                line = (
                    f"huggingface: {event}; further retries about it are summarised every "
                    f"{_RETRY_SUMMARY_SECONDS:.0f} s"
                )
            else:
                episode.last_retry_at = now
                episode.unsaid[event.cause] += 1
                if now - episode.last_line_at < _RETRY_SUMMARY_SECONDS:
                    return
                line = self._summary(target, episode, now, "; still retrying")
        self._emit(line)
