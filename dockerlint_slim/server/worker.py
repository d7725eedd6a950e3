"""A worker thread that runs jobs one at a time, in order, off the event loop.

Not a `ThreadPoolExecutor`: its threads are joined when the interpreter exits, so a context scan still walking a
huge folder would keep an editor's `exit` waiting. This thread is a daemon and ends with the process.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable


class Worker:
    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, function: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        self._jobs.put((future, function, args))
        return future

    def stop(self) -> None:
        self._jobs.put(None)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, function, args = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = function(*args)
            except BaseException as exc:  # the job's caller gets it; the worker keeps serving
                future.set_exception(exc)
            else:
                future.set_result(result)
