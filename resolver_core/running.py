"""A batch of links run on a thread pool sized by the providers it goes to.

Kept apart from the pipeline, which decides what happens to one link: this decides how many
links are in flight at once, reports each as it ends, and stops the rest when one raises
(Ctrl-C, or a failure that ends the run, such as the shared state store's).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .provider import Provider

#: Links resolved at once, over all providers.
MAX_WORKERS = 32
#: Links in flight at once when a provider may wait (download tickets): a waiting link
#: holds a thread, not a provider's concurrency slot, so waits overlap up to this many.
MAX_WAITING = 256


def run_all(
    work: Callable[[str], Any],
    urls: Sequence[str],
    on_done: Callable[[int, Any], None] | None,
    involved: Sequence[Provider],
    cancelled: threading.Event,
) -> list[Any]:
    """Run ``work`` on every URL with as many threads as the ``involved`` providers can
    use: their concurrency, or, when one may wait, up to :data:`MAX_WAITING` (a waiting
    link holds a thread but not its provider's slot). Threads beyond that would only
    queue on the providers' semaphores. ``cancelled`` is set when the run is cut short."""
    if any(provider.may_wait for provider in involved):
        workers = min(MAX_WAITING, len(urls))
    else:
        workers = min(MAX_WORKERS, len(urls), sum(p.max_concurrency for p in involved))
    workers = max(1, workers)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="resolve") as pool:
        futures = [pool.submit(work, url) for url in urls]
        if on_done is not None:
            for position, future in enumerate(futures):
                future.add_done_callback(_report_to(on_done, position))
        try:
            # Woken once when every link is done (or one raised), not once a link: each
            # wake-up of this thread takes the GIL from the workers, a thousand times in a
            # batch of a thousand.
            wait(futures, return_when=FIRST_EXCEPTION)
            return [future.result() for future in futures]
        except BaseException:  # Ctrl-C, or an error that ends the run (the state store's)
            cancelled.set()
            for future in futures:
                future.cancel()
            raise


def _report_to(on_done: Callable[[int, Any], None], position: int) -> Callable[[Future[Any]], None]:
    def report(future: Future[Any]) -> None:
        if not future.cancelled() and future.exception() is None:
            on_done(position, future.result())

    return report
