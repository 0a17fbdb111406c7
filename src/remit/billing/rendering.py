"""PDFs rendered off the event loop. WeasyPrint holds the interpreter lock while it lays out
a page, so rendered in threads the PDFs of a cycle would keep one process to one core and
hold its other jobs (issuing, sending) while they render. With `workers` above 0 (the
process setting REMIT_PDF_WORKERS, by default the machine's cores) they render in that many
processes of their own; with 0, in threads of this one, a few at a time.

Each render process is replaced after MAX_RENDERS_PER_PROCESS renders, so whatever a
renderer keeps (fonts, caches, fragmented memory) stays bounded. The wiring starts it with
the process and stops it at exit; the processes start when the first PDF is asked for."""

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from remit.billing import documents
from remit.billing.documents import Branding

MAX_RENDERS_PER_PROCESS = 200
# In threads: a few at a time keep the event loop (and the recording of what was sent)
# responsive while a worker runs many jobs at once.
THREAD_SLOTS = 2
# How often a render process checks that the process it renders for is still there.
PARENT_CHECK_SECONDS = 1.0


class Renderer:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._slots = asyncio.Semaphore(workers or THREAD_SLOTS)

    async def pdf(
        self, html: str, branding: Branding, locale: str, facturx: bytes | None = None
    ) -> bytes:
        """A document rendered for the PDF (`for_pdf`), as a PDF (documents.pdf), Factur-X
        with `facturx`."""
        async with self._slots:
            if not self.workers:
                return await asyncio.to_thread(documents.pdf, html, branding, locale, facturx)
            if self._pool is None:
                self._pool = render_processes(self.workers, MAX_RENDERS_PER_PROCESS)
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, documents.pdf, html, branding, locale, facturx
            )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def check_engine(workers: int) -> None:
    """Raise RuntimeError (one line) unless PDFs can render where they will: in this process
    without render processes, else in a process spawned as they are, so that this one, which
    never renders, never loads WeasyPrint (a fifth of a worker's memory)."""
    if not workers:
        documents.check_pdf_engine()
        return
    with render_processes(1) as probe:
        probe.submit(documents.check_pdf_engine).result()


def render_processes(count: int, max_tasks: int | None = None) -> ProcessPoolExecutor:
    """Spawned, not forked (a fork of a process running an event loop and threads may copy a
    lock some thread holds), and each ends with this process, even killed outright: the
    engine check's too, which a process killed as it starts would otherwise leave behind."""
    return ProcessPoolExecutor(
        count,
        mp_context=multiprocessing.get_context("spawn"),
        max_tasks_per_child=max_tasks,
        initializer=end_with_parent,
        initargs=(os.getpid(),),
    )


def end_with_parent(parent: int) -> None:
    """In each render process: end once the process it renders for is gone. A process killed
    outright (SIGKILL, the OOM killer) never shuts its pool down, and its render processes,
    which hold both ends of their task pipe, would otherwise wait for work forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


_current = Renderer(0)


def start(workers: int) -> None:
    """Set by the wiring when the process starts."""
    global _current
    _current.close()
    _current = Renderer(workers)


def stop() -> None:
    """At exit: the render processes end; PDFs render in threads from then on."""
    start(0)


async def pdf(html: str, branding: Branding, locale: str, facturx: bytes | None = None) -> bytes:
    return await _current.pdf(html, branding, locale, facturx)
