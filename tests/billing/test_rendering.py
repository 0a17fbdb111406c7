import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from remit.billing import documents
from remit.billing.documents import Branding
from remit.billing.rendering import Renderer
from tests.billing.test_documents import invoice_document, pdf_text

BRANDING = Branding(logo_url=None, brand_color=None, footer_note=None)


def pid_of_renderer(html: str, branding: object, locale: str, facturx: bytes | None = None) -> int:
    return os.getpid()


async def test_pdfs_render_in_processes_of_their_own_and_read_as_in_a_thread(monkeypatch):
    document = invoice_document()
    html = documents.html_for_pdf(document)
    in_processes, in_threads = Renderer(2), Renderer(0)
    try:
        rendered = await asyncio.gather(
            *(in_processes.pdf(html, document.branding, "en") for _ in range(3))
        )
        alone = await in_threads.pdf(html, document.branding, "en")
    finally:
        in_processes.close()

    assert all(pdf.startswith(b"%PDF-") for pdf in rendered)
    assert {pdf_text(pdf) for pdf in rendered} == {pdf_text(alone)}
    assert "INV-000042" in pdf_text(alone)


async def test_the_processes_are_not_this_one_and_start_again_after_closing(monkeypatch):
    # What the render processes run, by name: here, the id of the process running it.
    monkeypatch.setattr(documents, "pdf", pid_of_renderer)
    renderer = Renderer(1)
    try:
        first = await renderer.pdf("<p>one</p>", BRANDING, "en")
        renderer.close()
        second = await renderer.pdf("<p>two</p>", BRANDING, "en")
    finally:
        renderer.close()

    assert os.getpid() not in (first, second)
    assert first != second


async def test_without_render_processes_pdfs_render_in_a_thread_of_this_process(monkeypatch):
    monkeypatch.setattr(documents, "pdf", pid_of_renderer)

    assert await Renderer(0).pdf("<p>here</p>", BRANDING, "en") == os.getpid()


def test_a_process_that_renders_in_render_processes_checks_the_engine_without_loading_it():
    # In a process of its own: this one loaded WeasyPrint long ago.
    script = (
        "import sys\n"
        "from remit.billing import rendering\n"
        "rendering.check_engine({workers})\n"
        "print('weasyprint' in sys.modules)\n"
    )
    loaded = [
        subprocess.run(
            [sys.executable, "-c", script.format(workers=workers)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for workers in (1, 0)
    ]

    assert loaded == ["False", "True"]


def test_render_processes_end_with_a_process_killed_outright():
    """The engine check's process too: a worker killed as it starts must leave none behind."""
    script = (
        "import os, time\n"
        "from remit.billing import rendering\n"
        "probe = rendering.render_processes(1)\n"
        "print(probe.submit(os.getpid).result(), flush=True)\n"
        "time.sleep(120)\n"
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = int(owner.stdout.readline())
        assert alive(child)
    finally:
        owner.kill()
        owner.wait()

    deadline = time.monotonic() + 30
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing
