"""Pictures of every page of a PDF prescription: what the pharmacist reads instead of the PDF.

A PDF is a program for its reader as much as a document: the upload checks
(``pdfcheck``) refuse the active content they know of, but a reader may know
of more, or read the file differently. So the pharmacist never needs to open
it: each page is drawn to a plain JPEG picture, which carries nothing but
pixels, and the review page shows those. The original stays a download, with
a warning.

The pages are drawn at upload, by a worker (``tasks.draw_prescription_pages``,
queued with the upload's row), through ``render_and_store``: a plain function
of the stored file. Drawing runs in a
child process held to a memory, CPU and time limit (``sandbox``), so a file
built to hurt the renderer costs one short-lived process, not the web worker.
The pictures are kept next to the PDF, in the same private storage, with a
small manifest written last: its presence means every picture is there. A PDF
that could not be drawn is remembered as well, and the review page says so.
Files whose pages are not drawn yet (stored before uploads drew them, or a
worker still behind) are drawn on the pharmacist's first visit.

In the child process, ``child`` does the drawing: the PDF in, the pictures out.
"""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass
from io import BytesIO

from django.core.cache import cache
from django.core.files.base import ContentFile

from prescriptions import sandbox

logger = logging.getLogger(__name__)

MAX_PAGES = 20  # as many as an upload may have (pdfcheck.MAX_PAGES)
MAX_WIDTH_PX = 1400
MAX_HEIGHT_PX = 2800  # so a page a mile long is shrunk to fit, not drawn at full length
JPEG_QUALITY = 85
MAX_PICTURE_BYTES = 8 * 1024 * 1024
JPEG_SIGNATURE = b"\xff\xd8\xff"
# A full-page 300 dpi scan renders within 130 MB; a 50-megapixel picture on a
# page (the most an upload may hold) needs about 500 MB. Twenty scanned pages
# take about 2.5 s of CPU. The wall time leaves the upload's check (8 s) and
# the rest of the request well inside gunicorn's 30 s worker timeout.
LIMITS = sandbox.Limits(memory_bytes=768 * 1024 * 1024, cpu_seconds=10, wall_seconds=15.0)

PreviewFailed = sandbox.ChildFailed


@dataclass(frozen=True)
class Pages:
    """The pictures kept of a PDF: ``count`` of them, of a document of ``of`` pages."""

    count: int
    of: int

    @property
    def numbers(self) -> range:
        return range(1, self.count + 1)


@dataclass(frozen=True)
class _Names:
    manifest: str
    failed: str
    stem: str

    def page(self, number: int) -> str:
        return f"{self.stem}.page-{number}.jpg"


def _names(file_name: str) -> _Names:
    stem = file_name.rsplit(".", 1)[0]
    return _Names(manifest=stem + ".pages.json", failed=stem + ".preview-failed", stem=stem)


def preview_names(file_name: str) -> list[str]:
    """Every name that may be stored beside the PDF ``file_name``: erased with it."""
    names = _names(file_name)
    legacy = names.stem + ".preview.png"  # the first page alone, as drawn before every page was
    return [names.manifest, names.failed, legacy, *(names.page(n) for n in range(1, MAX_PAGES + 1))]


def draw_pages(pdf: bytes, limits: sandbox.Limits | None = None) -> tuple[list[bytes], int]:
    """The first ``MAX_PAGES`` pages as JPEG pictures, and how many the document has, drawn in a child process."""
    out = sandbox.run("render-pdf", pdf, limits or LIMITS)
    try:
        (total,) = struct.unpack_from(">I", out)
        pictures, at = [], 4
        while at < len(out):
            (size,) = struct.unpack_from(">I", out, at)
            pictures.append(out[at + 4 : at + 4 + size])
            at += 4 + size
    except struct.error:
        raise PreviewFailed("gave a broken answer") from None
    if not pictures or len(pictures) > MAX_PAGES or total < len(pictures):
        raise PreviewFailed("gave no pages")
    if any(not p.startswith(JPEG_SIGNATURE) or len(p) > MAX_PICTURE_BYTES for p in pictures):
        raise PreviewFailed("did not produce JPEG pictures")
    return pictures, total


def render_and_store(pdf_file) -> Pages | None:
    """Draw every page of ``pdf_file`` (a stored FieldFile) and keep the pictures beside it.

    None when it could not be drawn: the renderer's failure is remembered (it
    would fail again, slowly), the server's (storage, no interpreter) is not.
    Never raises for either: the upload that calls it has been committed.
    """
    storage, names = pdf_file.storage, _names(pdf_file.name)
    lock = f"prescription-preview:{pdf_file.name}"
    if not _lock(lock):
        return None  # another request is drawing it right now
    try:
        with pdf_file.open("rb") as f:
            pictures, total = draw_pages(f.read())
        for number, picture in enumerate(pictures, start=1):
            _save(storage, names.page(number), picture)
        pages = Pages(count=len(pictures), of=total)
        _save(storage, names.manifest, json.dumps({"count": pages.count, "of": pages.of}).encode())
        return pages
    except PreviewFailed as failure:
        logger.warning("No pictures of the pages of %s: the renderer %s", pdf_file.name, failure)
        _save(storage, names.failed, str(failure).encode())
        return None
    except Exception:
        # The server's doing (storage, no interpreter to start), so not
        # remembered; and never an error page for an upload already saved.
        logger.exception("No pictures of the pages of %s", pdf_file.name)
        return None
    finally:
        _unlock(lock)


def _lock(key: str) -> bool:
    try:
        # A cache that ignores its errors (production's Redis, shop/cache.py)
        # answers None, not False, when it could not be asked.
        return cache.add(key, 1, timeout=int(LIMITS.wall_seconds) + 10) is not False
    except Exception:
        # Without the cache, two requests may draw the same pages: a waste, not a fault.
        logger.warning("Drawing pages without a lock: the cache is unavailable")
        return True


def _unlock(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        logger.warning("Could not release the lock on drawing pages: the cache is unavailable")


def draw_if_missing(pdf_file) -> None:
    """Draw the pages unless their pictures, or the renderer's refusal, are stored already."""
    storage, names = pdf_file.storage, _names(pdf_file.name)
    if not storage.exists(names.manifest) and not storage.exists(names.failed):
        render_and_store(pdf_file)


def stored_pages(pdf_file) -> Pages | None:
    """The pictures kept of ``pdf_file``, drawn now if it was stored before uploads drew them; None if none."""
    storage, names = pdf_file.storage, _names(pdf_file.name)
    if storage.exists(names.manifest):
        with storage.open(names.manifest, "rb") as f:
            manifest = json.loads(f.read())
        return Pages(count=min(int(manifest["count"]), MAX_PAGES), of=int(manifest["of"]))
    if storage.exists(names.failed):
        return None
    return render_and_store(pdf_file)


def open_page(pdf_file, number: int):
    """The stored picture of page ``number``, open for reading; None if there is none."""
    pages = stored_pages(pdf_file)
    if pages is None or number not in pages.numbers:
        return None
    return pdf_file.storage.open(_names(pdf_file.name).page(number), "rb")


def _save(storage, name: str, content: bytes) -> None:
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # the storage never overwrites; someone saved it first
        storage.delete(saved)


def child(pdf: bytes) -> bytes:
    """In the child process: the page count, then each page's JPEG, each after its length."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        out = [struct.pack(">I", len(document))]
        for index in range(min(len(document), MAX_PAGES)):
            page = document[index]
            width, height = page.get_size()
            scale = min(2.0, MAX_WIDTH_PX / width, MAX_HEIGHT_PX / height)
            image = page.render(scale=scale).to_pil().convert("RGB")
            page.close()
            picture = BytesIO()
            # JPEG, not PNG: a scan's noise makes PNG large and slow to encode
            # (optimize=True took 75-85% of a first page's 2.2-2.6 s).
            image.save(picture, format="JPEG", quality=JPEG_QUALITY)
            out += [struct.pack(">I", picture.tell()), picture.getvalue()]
    finally:
        document.close()
    return b"".join(out)
