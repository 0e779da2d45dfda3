"""Checks on an uploaded prescription file, by its bytes.

``inspect_upload`` either returns a ``CleanFile`` that is safe to store, or
raises ``ValidationError`` with a message the customer can act on. The
customer's file name and Content-Type are never trusted: the type comes from
the file's own bytes, and the name's extension must agree with it.

Images are decoded (with a pixel limit, so a small file declaring a huge
picture is refused before it is decoded) and re-encoded, which drops EXIF and
GPS data and anything appended to the picture. PDFs are parsed and refused
when they are encrypted or carry active content.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; a page scan is far smaller
MAX_PDF_PAGES = 20
MAX_PDF_OBJECTS = 20_000

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

# PDF names that make a document do something rather than show something.
_ACTIVE_PDF_NAMES = {
    "/JS",
    "/JavaScript",
    "/OpenAction",
    "/AA",
    "/Launch",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/RichMedia",
    "/XFA",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
}
# A quick first pass over the raw bytes. Only long names: a short one such as
# /JS turns up by chance inside compressed image data. The parse below finds
# the short and the disguised (/J#61vaScript) ones.
_ACTIVE_PDF_BYTES = re.compile(rb"/(?:JavaScript|OpenAction|Launch|EmbeddedFiles?|RichMedia)\b")


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    extension: str
    kind: str  # "image" or "pdf"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


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
    limit = settings.PRESCRIPTION_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise _refuse(
            _("This file is %(size)s. The largest file we accept is %(limit)s.")
            % {"size": filesizeformat(upload.size or 0), "limit": filesizeformat(limit)},
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
            _("This file is larger than %(limit)s, the largest file we accept.") % {"limit": filesizeformat(limit)},
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
    out = BytesIO()
    # A fresh encode keeps the pixels and nothing else: no EXIF, GPS, ICC,
    # comments or trailing data.
    options = {"JPEG": {"quality": 90, "optimize": True}, "WEBP": {"quality": 90}, "PNG": {"optimize": True}}
    image.save(out, format=kind, **options[kind])
    return out.getvalue()


def _check_pdf(data: bytes) -> None:
    if _ACTIVE_PDF_BYTES.search(data):
        raise _active_pdf()
    try:
        with warnings.catch_warnings():
            # pypdf warns about every quirk of a damaged file; what matters is
            # whether it can be read at all, which the exceptions below decide.
            warnings.simplefilter("ignore")
            _check_pdf_structure(data)
    except ValidationError:
        raise
    except Exception:
        # pypdf meets hostile files with many kinds of error (PdfReadError,
        # LimitReachedError, RecursionError, ValueError...). Whichever it is,
        # the file is not one we can check, so it is refused.
        raise _refuse(_("We could not read this PDF. Please upload a photo or a different scan."), "damaged") from None


def _check_pdf_structure(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    reader = PdfReader(BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise _refuse(_("This PDF is password-protected. Please upload a copy without a password."), "encrypted")
    pages = len(reader.pages)
    if pages == 0:
        raise _refuse(_("This PDF has no pages."), "empty_pdf")
    if pages > MAX_PDF_PAGES:
        raise _refuse(
            _("This PDF has %(pages)s pages. A prescription should have no more than %(max)s.")
            % {"pages": pages, "max": MAX_PDF_PAGES},
            "too_many_pages",
        )
    # Every object in the file, including those packed in object streams,
    # so active content cannot hide behind hex-escaped names or compression.
    numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    if len(numbers) > MAX_PDF_OBJECTS:
        raise _refuse(_("This PDF is too complex for us to check."), "too_complex")
    roots = [reader.trailer] + [reader.get_object(IndirectObject(n, g, reader)) for n, g in sorted(numbers)]
    for obj in roots:
        for dictionary in _dictionaries(obj, DictionaryObject, ArrayObject):
            if _ACTIVE_PDF_NAMES & set(dictionary.keys()):
                raise _active_pdf()
            if dictionary.get("/S") in ("/JavaScript", "/Launch"):
                raise _active_pdf()


def _dictionaries(obj, dict_type, array_type, depth: int = 0):
    """Dictionaries directly inside ``obj`` (not following references, which are checked on their own)."""
    if depth > 50:
        return
    if isinstance(obj, dict_type):
        yield obj
        for value in obj.values():
            yield from _dictionaries(value, dict_type, array_type, depth + 1)
    elif isinstance(obj, array_type):
        for value in obj:
            yield from _dictionaries(value, dict_type, array_type, depth + 1)


def _active_pdf() -> ValidationError:
    return _refuse(
        _(
            "This PDF contains scripts, actions or attached files, so we cannot accept it. "
            "Please upload a plain scan or photo of your prescription."
        ),
        "active_pdf",
    )
