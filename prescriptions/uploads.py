"""Checks on an uploaded prescription file, by its bytes.

``inspect_upload`` either returns a ``CleanFile`` that is safe to store, or
raises ``ValidationError`` with a message the customer can act on. The
customer's file name and Content-Type are never trusted: the type comes from
the file's own bytes, and the name's extension must agree with it. Every
refusal is logged by its reason, never with the file's name or content.

Images are decoded (with a pixel limit, so a small file declaring a huge
picture is refused before it is decoded) and re-encoded, which drops EXIF and
GPS data and anything appended to the picture. PDFs are checked in a limited
child process (``pdfcheck``): refused when they are encrypted, carry active
content or attachments, or would unpack to far more than they weigh. They are
stored as uploaded; pharmacists see pictures of their pages (``previews``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from prescriptions import sandbox
from prescriptions.pdfcheck import MAX_PICTURE_PIXELS as MAX_PIXELS
from prescriptions.uploadhandlers import TOO_MANY_FILES, refusal

logger = logging.getLogger(__name__)

# Real type -> (content type, extension we store under, extensions a customer's file may have)
_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg", {".jpg", ".jpeg"}),
    "PNG": ("image/png", ".png", {".png"}),
    "WEBP": ("image/webp", ".webp", {".webp"}),
    "PDF": ("application/pdf", ".pdf", {".pdf"}),
}
ALLOWED_EXTENSIONS = sorted(ext for _type, _ext, accepted in _FORMATS.values() for ext in accepted)

# Markup that has no business inside a picture of a prescription. A file that
# holds it is a polyglot built to be read as a web page or script.
_MARKUP = re.compile(rb"<\s*(?:script|html|!doctype|svg|iframe|body|object|embed)|<\?php|javascript:", re.I)


def megabytes(size: int) -> str:
    """A size as customers read it: "10 MB", "2.5 MB" (never "10.0 MB")."""
    return _("%(size)s MB") % {"size": f"{size / (1024 * 1024):.1f}".removesuffix(".0")}


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    extension: str
    kind: str  # "image" or "pdf"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _refuse(message: str, code: str, detail: str = "") -> ValidationError:
    error = ValidationError(message, code=code)
    error.detail = detail  # what exactly was found, for the log
    return error


def sniff(head: bytes) -> str | None:
    """The file's real type from its first bytes: 'JPEG', 'PNG', 'WEBP', 'PDF' or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith(b"%PDF-"):
        return "PDF"
    return None


def inspect_upload(upload: UploadedFile) -> CleanFile:
    try:
        return _inspect(upload)
    except ValidationError as refused:
        # What was refused and why, for the security log: no name, no content, no customer.
        detail = getattr(refused, "detail", "")
        logger.info("Upload refused: %s%s", refused.code, f" ({detail})" if detail else "")
        raise


def _inspect(upload: UploadedFile) -> CleanFile:
    limit = settings.PRESCRIPTION_MAX_UPLOAD_BYTES
    refused = refusal(upload)
    if refused == TOO_MANY_FILES:
        raise _refuse(
            _("This upload held more than one file. Please choose a single photo or scan of the prescription."),
            "too_many_files",
        )
    if refused is not None:
        raise _refuse(
            _("This upload came to more than %(limit)s in all, the most we accept.") % {"limit": megabytes(limit)},
            "too_large",
        )
    if upload.size is None or upload.size > limit:
        raise _refuse(
            _("This file is %(size)s. The largest file we accept is %(limit)s.")
            % {"size": megabytes(upload.size or 0), "limit": megabytes(limit)},
            "too_large",
        )
    if upload.size == 0:
        raise _refuse(_("This file is empty."), "empty")

    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise _refuse(
            _("We accept JPEG, PNG, WebP or PDF files; a file ending in “%(ext)s” is not one of those.")
            % {"ext": extension or _("no extension")},
            "bad_extension",
        )

    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(
            _("This file is larger than %(limit)s, the largest file we accept.") % {"limit": megabytes(limit)},
            "too_large",
        )

    kind = sniff(data[:16])
    if kind is None:
        raise _refuse(
            _(
                "This file is not a JPEG, PNG, WebP or PDF file, whatever its name says. "
                "Please upload a photo or scan of your prescription."
            ),
            "bad_type",
        )
    content_type, stored_extension, accepted = _FORMATS[kind]
    if extension not in accepted:
        raise _refuse(
            _(
                "The file name ends in “%(ext)s” but the file is a %(kind)s. "
                "Please upload the original file without renaming it."
            )
            % {"ext": extension, "kind": kind if kind == "PDF" else _("%(kind)s image") % {"kind": kind}},
            "type_mismatch",
        )

    if kind == "PDF":
        _check_pdf(data)
        return CleanFile(data, content_type, stored_extension, "pdf")
    return CleanFile(_reencode_image(data, kind), content_type, stored_extension, "image")


def _reencode_image(data: bytes, kind: str) -> bytes:
    if _MARKUP.search(data):
        raise _refuse(
            _("This picture contains hidden web code, so we cannot accept it. Please upload a plain photo or scan."),
            "polyglot",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data), formats=[kind])
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _refuse(
                    _(
                        "This picture is %(width)s × %(height)s pixels, too large to process. "
                        "Please upload a smaller photo or scan."
                    )
                    % {"width": width, "height": height},
                    "too_many_pixels",
                )
            image.load()
            image = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(
            _("This picture has too many pixels to process. Please upload a smaller photo or scan."),
            "too_many_pixels",
        ) from None
    except Exception:
        # Decoders fail on damaged and hostile files in many ways; any failure
        # means the picture cannot be checked, so it is refused.
        raise _refuse(_("This picture is damaged or incomplete. Please take or scan it again."), "damaged") from None

    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    # Encoders write back some of what the decoder read into ``info`` (colour
    # profile, comments, XMP, text chunks). With it emptied, a fresh encode
    # keeps the pixels and nothing else: no EXIF, GPS, ICC, comments or
    # trailing data. A palette's transparent colour is part of the pixels.
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    out = BytesIO()
    options = {"JPEG": {"quality": 90, "optimize": True}, "WEBP": {"quality": 90}, "PNG": {"optimize": True}}
    image.save(out, format=kind, **options[kind])
    return out.getvalue()


# The PDF is read in a child process (see ``sandbox``), within the upload
# request: short enough beside the page rendering that follows (previews)
# to stay well inside the app server's 30 s worker timeout.
CHECK_LIMITS = sandbox.Limits(memory_bytes=512 * 1024 * 1024, cpu_seconds=4, wall_seconds=8.0)


def _check_pdf(data: bytes) -> None:
    try:
        verdict = json.loads(sandbox.run("check-pdf", data, CHECK_LIMITS))
    except sandbox.ChildFailed as failure:
        # Over its CPU, memory or time limit: a file built to tie up the checker.
        verdict = {"refused": "too_complex", "detail": f"the checker {failure}", "params": {}}
    except ValueError:
        verdict = {"refused": "too_complex", "detail": "the checker gave no verdict", "params": {}}
    except OSError:
        # The server's doing (no process could be started), not the file's.
        logger.exception("The PDF checker could not be started")
        verdict = {"refused": "checker_unavailable", "params": {}}
    if "refused" in verdict:
        code = verdict["refused"]
        message = _pdf_refusals().get(code) or _pdf_refusals()["damaged"]
        params = verdict.get("params", {})
        if "limit" in params:
            params["limit"] = megabytes(params["limit"])
        # The detail holds names from the file: printable and short before it reaches a log line.
        detail = re.sub(r"[^\x20-\x7e]", "?", str(verdict.get("detail", "")))[:200]
        raise _refuse(message % params, code, detail)


def _pdf_refusals() -> dict[str, str]:
    """The customer's message for each reason ``pdfcheck`` gives."""
    try_again = _("Please upload a photo or a simpler scan.")
    return {
        "damaged": _("We could not read this PDF. Please upload a photo or a different scan."),
        "checker_unavailable": _("We could not check this PDF just now. Please try again in a few minutes."),
        "encrypted": _("This PDF is password-protected. Please upload a copy without a password."),
        "empty_pdf": _("This PDF has no pages."),
        "too_many_pages": _("This PDF has %(pages)s pages. A prescription should have no more than %(max)s."),
        "too_complex": _("This PDF is too complex for us to check.") + " " + try_again,
        "too_much_content": _(
            "This PDF unpacks to more than %(limit)s when it is opened, far more than a prescription needs."
        )
        + " "
        + try_again,
        "picture_too_large": _(
            "This PDF holds a picture of %(width)s × %(height)s pixels, too large to process. "
            "Please upload a smaller scan."
        ),
        "too_many_pictures": _("This PDF holds more pictures than we can process. Please upload a smaller scan."),
        "unsupported_pdf": _(
            "This PDF is packed in a way we cannot check. Please print it to a new PDF, "
            "or upload a photo or scan of the prescription."
        ),
        "active_pdf": _(
            "This PDF contains scripts, actions or attached files, so we cannot accept it. "
            "Please upload a plain scan or photo of your prescription."
        ),
    }
