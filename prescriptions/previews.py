"""A picture of a PDF prescription's first page, for the pharmacist's review page.

Browsers will not show a PDF inside the sandbox the file view puts around
every upload, so the review page shows this picture instead. Only pharmacists
can ask for it.

Uploads are checked for PDFs that unpack to far more than they weigh, but
files stored before that check, or built to hurt the renderer some other way,
still reach it. So the page is rendered in a separate process held to a
memory, CPU and time limit: a hostile file costs one short-lived process, not
the web worker. It is rendered once: the picture is kept next to the PDF, in
the same private storage, and served from there afterwards. A PDF that could
not be rendered is remembered as well, and shows "preview unavailable".

Run as a script, this module is that separate process: the PDF on stdin, the
PNG on stdout.
"""

from __future__ import annotations

import functools
import logging
import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from io import BytesIO

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils.translation import gettext
from PIL import Image, ImageDraw, ImageFont

logger = logging.getLogger(__name__)

PREVIEW_SUFFIX = ".preview.png"
FAILED_SUFFIX = ".preview-failed"
MAX_WIDTH_PX = 1400
MAX_HEIGHT_PX = 2800  # so a page a mile long is shrunk to fit, not drawn at full length
MAX_PNG_BYTES = 16 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Limits:
    # A full-page 300 dpi scan renders within 130 MB; a 50-megapixel picture
    # on the page (the most an upload may hold) needs about 500 MB.
    memory_bytes: int = 768 * 1024 * 1024
    cpu_seconds: int = 10
    # Below the app server's own worker timeout (gunicorn: 30 s).
    wall_seconds: float = 20.0


LIMITS = Limits()


class PreviewFailed(Exception):
    """The renderer crashed, refused the file, or went over its limits."""


def first_page_png(pdf: bytes, limits: Limits | None = None) -> bytes:
    """The first page as a PNG, rendered in a child process under ``limits``."""
    limits = limits or LIMITS
    command = [sys.executable, "-I", os.path.abspath(__file__), str(limits.memory_bytes), str(limits.cpu_seconds)]
    try:
        done = subprocess.run(
            command,
            input=pdf,
            capture_output=True,
            timeout=limits.wall_seconds,
            # Nothing of the app's environment (secret key, database and storage
            # credentials) for a process that parses hostile files.
            env={key: os.environ[key] for key in ("LD_LIBRARY_PATH",) if key in os.environ},
            cwd="/",
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PreviewFailed(f"took more than {limits.wall_seconds:g} s") from None
    if done.returncode < 0:
        raise PreviewFailed(f"killed by {signal.Signals(-done.returncode).name}")
    if done.returncode > 0:
        raise PreviewFailed(f"exited with {done.returncode}")
    if not done.stdout.startswith(PNG_SIGNATURE) or len(done.stdout) > MAX_PNG_BYTES:
        raise PreviewFailed("did not produce a PNG")
    return done.stdout


def preview_names(file_name: str) -> tuple[str, str]:
    """Where the picture of a stored PDF goes, and where a failure to make it is remembered."""
    stem = file_name.rsplit(".", 1)[0]
    return stem + PREVIEW_SUFFIX, stem + FAILED_SUFFIX


def stored_preview(pdf_file) -> str | None:
    """The storage name of the picture of ``pdf_file`` (a FieldFile), rendered the first time; None if there is none."""
    storage = pdf_file.storage
    picture, failed = preview_names(pdf_file.name)
    if storage.exists(picture):
        return picture
    if storage.exists(failed):
        return None
    lock = f"prescription-preview:{pdf_file.name}"
    if not cache.add(lock, 1, timeout=int(LIMITS.wall_seconds) + 10):
        return None  # another request is rendering it right now
    try:
        with pdf_file.open("rb") as f:
            pdf = f.read()
        return _save(storage, picture, first_page_png(pdf))
    except PreviewFailed as failure:
        # The file's doing, so remembered: it would fail, slowly, on every visit.
        logger.warning("No preview for %s: the renderer %s", pdf_file.name, failure)
        _save(storage, failed, str(failure).encode())
        return None
    except OSError:
        # The server's doing (storage, no interpreter to start): not remembered.
        logger.exception("No preview for %s", pdf_file.name)
        return None
    finally:
        cache.delete(lock)


def _save(storage, name: str, content: bytes) -> str:
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # the storage never overwrites; someone saved it first
        storage.delete(saved)
    return name


def unavailable_png() -> bytes:
    """What the review page shows when there is no picture of the first page."""
    return _notice_png(gettext("Preview unavailable"), gettext("Download the file to see it."))


@functools.cache
def _notice_png(*lines: str) -> bytes:
    image = Image.new("L", (720, 200), 242)
    draw = ImageDraw.Draw(image)
    for number, (line, size) in enumerate(zip(lines, (34, 24), strict=False)):
        draw.text((360, 75 + 60 * number), line, fill=30, font=ImageFont.load_default(size=size), anchor="mm")
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _render_here(memory_bytes: int, cpu_seconds: int) -> None:
    """The child process: limits first, then the PDF."""
    import pypdfium2 as pdfium

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a core file would hold the prescription
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # nothing to write but the PNG, to a pipe
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    document = pdfium.PdfDocument(sys.stdin.buffer.read())
    try:
        page = document[0]
        width, height = page.get_size()
        scale = min(2.0, MAX_WIDTH_PX / width, MAX_HEIGHT_PX / height)
        image = page.render(scale=scale).to_pil()
    finally:
        document.close()
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    sys.stdout.buffer.write(out.getvalue())


if __name__ == "__main__":
    _render_here(int(sys.argv[1]), int(sys.argv[2]))
