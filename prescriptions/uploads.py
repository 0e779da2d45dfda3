"""Checks on an uploaded prescription file, by its bytes.

``inspect_upload`` either returns a ``CleanFile`` that is safe to store, or
raises ``ValidationError`` with a message the customer can act on. The
customer's file name and Content-Type are never trusted: the type comes from
the file's own bytes, and the name's extension must agree with it.

Images are decoded (with a pixel limit, so a small file declaring a huge
picture is refused before it is decoded) and re-encoded, which drops EXIF and
GPS data and anything appended to the picture. PDFs are parsed and refused
when they are encrypted or carry active content, and every stream in them is
unpacked (a chunk at a time, never whole) to refuse files that would swell to
hundreds of megabytes in the viewer: a small PDF can hold a gigabyte of
compressed page content.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
import warnings
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pypdf import PdfReader, apply_configuration
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from prescriptions.uploadhandlers import TOO_MANY_FILES, refusal

MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; a page scan is far smaller
MAX_PDF_PAGES = 20
MAX_PDF_OBJECTS = 20_000
# Everything the viewer would unpack, over all streams of the file. A scanned
# prescription unpacks to a few megabytes; a decompression bomb to gigabytes.
MAX_PDF_UNPACKED_BYTES = 100 * 1024 * 1024
# Pictures inside a PDF are not unpacked here (JPEG and friends), so they are
# bounded by the pixels they declare: each one like a photo, and all of them
# together like twenty A4 pages scanned at 400 dpi.
MAX_PDF_IMAGE_PIXELS = 400_000_000
# What pypdf itself unpacks to read the file's structure (cross-reference and
# object streams), each one; real ones are a few hundred kilobytes.
MAX_PDF_STRUCTURE_BYTES = 16 * 1024 * 1024
# Some filters are unpacked in Python (LZW, run-length), slowly: a file that
# takes this long to unpack ties up a server process for nothing.
MAX_PDF_UNPACK_SECONDS = 5.0

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


def _check_pdf(data: bytes) -> None:
    if _ACTIVE_PDF_BYTES.search(data):
        raise _active_pdf()
    try:
        with warnings.catch_warnings(), apply_configuration(**_PYPDF_LIMITS):
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
    budget = _UnpackBudget()
    reader = _BudgetedPdfReader(BytesIO(data), budget)
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
    direct = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers = direct | {(num, 0) for num in reader.xref_objStm}
    if len(numbers) > MAX_PDF_OBJECTS:
        raise _refuse(_("This PDF is too complex for us to check."), "too_complex")
    # Streams are never inside object streams, so the direct objects hold them
    # all. Object streams go first: reading any other object may make pypdf
    # unpack one, and each must be paid for before that happens.
    containers = {(num, 0) for num, _index in reader.xref_objStm.values()}
    for num, gen in sorted(containers & direct) + sorted(direct - containers):
        budget.pay_for(reader, num, gen)
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


# --- Unpacking a PDF's streams within a budget -----------------------------------------

# What pypdf unpacks on its own while reading the structure, per stream.
_PYPDF_LIMITS = {
    "zlib_maximum_output_length": MAX_PDF_STRUCTURE_BYTES,
    "lzw_maximum_output_length": MAX_PDF_STRUCTURE_BYTES,
    "run_length_maximum_output_length": MAX_PDF_STRUCTURE_BYTES,
    "jbig2_maximum_output_length": MAX_PDF_STRUCTURE_BYTES,
    "array_based_stream_maximum_output_length": MAX_PDF_STRUCTURE_BYTES,
}
_PIECE = 64 * 1024  # what each decoder below takes and gives at a time (ASCII85 up to four times this)
_MAX_FILTERS = 8
_WHITESPACE = b"\x00\t\n\x0c\r "
_FLATE = {"/FlateDecode", "/Fl"}
_LZW = {"/LZWDecode", "/LZW"}
_HEX = {"/ASCIIHexDecode", "/AHx"}
_A85 = {"/ASCII85Decode", "/A85"}
_RUN_LENGTH = {"/RunLengthDecode", "/RL"}
_JPEG = {"/DCTDecode", "/DCT"}
_JPEG_2000 = {"/JPXDecode"}
# Bilevel codecs: the viewer draws them into a picture of the declared size,
# which the pixel budget already bounds.
_BILEVEL = {"/CCITTFaxDecode", "/CCF", "/JBIG2Decode"}
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class _UnpackBudget:
    def __init__(self):
        self.bytes_left = MAX_PDF_UNPACKED_BYTES
        self.pixels_left = MAX_PDF_IMAGE_PIXELS
        self.deadline = time.monotonic() + MAX_PDF_UNPACK_SECONDS
        self.paid: set[tuple[int, int]] = set()

    def pay_for(self, reader, num: int, gen: int) -> None:
        if (num, gen) in self.paid:
            return
        self.paid.add((num, gen))
        obj = reader.get_object(IndirectObject(num, gen, reader))
        if isinstance(obj, StreamObject):
            _unpack(obj, self)

    def spend_bytes(self, count: int) -> None:
        if time.monotonic() > self.deadline:
            raise _refuse(_("This PDF is too complex for us to check."), "too_complex")
        self.bytes_left -= count
        if self.bytes_left < 0:
            raise _refuse(
                _(
                    "This PDF unpacks to more than %(limit)s when it is opened, far more than a prescription "
                    "needs. Please upload a photo or a simpler scan."
                )
                % {"limit": megabytes(MAX_PDF_UNPACKED_BYTES)},
                "too_much_content",
            )

    def spend_pixels(self, width: int, height: int) -> None:
        if width * height > MAX_PIXELS:
            raise _refuse(
                _(
                    "This PDF holds a picture of %(width)s × %(height)s pixels, too large to process. "
                    "Please upload a smaller scan."
                )
                % {"width": width, "height": height},
                "too_many_pixels",
            )
        self.pixels_left -= width * height
        if self.pixels_left < 0:
            raise _refuse(
                _("This PDF holds more pictures than we can process. Please upload a smaller scan."),
                "too_many_pixels",
            )


class _BudgetedPdfReader(PdfReader):
    """A reader that charges each object stream to the budget before pypdf unpacks it and keeps it."""

    def __init__(self, stream, budget: _UnpackBudget):
        self._budget = budget
        super().__init__(stream, strict=False)

    def _get_object_from_stream(self, indirect_reference):
        container, _index = self.xref_objStm[indirect_reference.idnum]
        self._budget.pay_for(self, container, 0)
        return super()._get_object_from_stream(indirect_reference)


def _unpack(stream, budget: _UnpackBudget) -> None:
    """Run the stream through its filters a piece at a time, paying for every piece each filter puts out."""
    filters = _as_list(stream.get("/Filter"))
    parameters = _as_list(stream.get("/DecodeParms"))
    if len(filters) > _MAX_FILTERS:
        raise _unsupported_pdf()
    is_image = _resolved(stream.get("/Subtype")) == "/Image"
    size = (_positive(stream.get("/Width")), _positive(stream.get("/Height"))) if is_image else (0, 0)
    raw = stream._data or b""  # the bytes as stored in the file; get_data() would unpack them whole
    pieces = (raw[at : at + _PIECE] for at in range(0, len(raw), _PIECE))
    if not filters:
        budget.spend_bytes(len(raw))
    for position, name in enumerate(filters):
        if name in _JPEG | _JPEG_2000 | _BILEVEL:
            if position != len(filters) - 1:
                raise _unsupported_pdf()
            if name in _BILEVEL:
                break
            reader = _PieceReader(pieces)
            header_size = _jpeg_size(reader) if name in _JPEG else _jpeg_2000_size(reader)
            if header_size is None:
                raise ValueError("picture without a readable size")
            # The viewer believes the picture's own header over the dictionary.
            size = max(size, header_size, key=lambda s: s[0] * s[1])
            pieces = reader.rest()
            break
        parms = _resolved(parameters[position]) if position < len(parameters) else None
        pieces = _paid(_decoder(name, parms)(pieces), budget)
    budget.spend_pixels(*size)
    for _piece in pieces:
        pass


def _decoder(name, parms):
    if name in _FLATE:
        return _inflate
    if name in _LZW:
        early = _resolved(parms.get("/EarlyChange")) if isinstance(parms, DictionaryObject) else None
        return lambda pieces: _lzw(pieces, early_change=0 if early == 0 else 1)
    if name in _HEX:
        return _ascii_hex
    if name in _A85:
        return _ascii_85
    if name in _RUN_LENGTH:
        return _run_length
    # Crypt, Brotli and names no viewer knows: nothing we can bound, so nothing we accept.
    raise _unsupported_pdf()


def _unsupported_pdf() -> ValidationError:
    return _refuse(
        _(
            "This PDF is packed in a way we cannot check. Please print it to a new PDF, "
            "or upload a photo or scan of the prescription."
        ),
        "unsupported_pdf",
    )


def _resolved(value):
    return value.get_object() if value is not None else None


def _as_list(value) -> list:
    value = _resolved(value)
    if value is None:
        return []
    if isinstance(value, ArrayObject):
        return [_resolved(item) for item in value]
    return [value]


def _positive(value) -> int:
    value = _resolved(value)
    return int(value) if isinstance(value, int | float) and value > 0 else 0


def _paid(pieces, budget: _UnpackBudget):
    for piece in pieces:
        budget.spend_bytes(len(piece))
        yield piece


def _inflate(pieces):
    # Output is asked for _PIECE bytes at a time (max_length), so a gigabyte
    # of zeros behind a kilobyte of input is never in memory at once.
    inflater = None
    first = True
    for piece in pieces:
        if inflater is None:
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header
        data = piece
        while data and not inflater.eof:
            try:
                out = inflater.decompress(data, _PIECE)
            except zlib.error:
                if not first:
                    return  # viewers stop at the damage, and so does the count
                # Some writers leave out the zlib header; viewers accept raw deflate.
                inflater, first = zlib.decompressobj(-zlib.MAX_WBITS), False
                continue
            first = False
            if out:
                yield out
            data = inflater.unconsumed_tail
        if inflater.eof:
            return
    while inflater is not None and not inflater.eof:
        try:
            out = inflater.decompress(b"", _PIECE)
        except zlib.error:
            return
        if not out:
            return
        yield out


def _lzw(pieces, *, early_change: int):
    table = [bytes([i]) for i in range(256)] + [b"", b""]  # 256 clears the table, 257 ends the data
    width, buffer, buffered, previous = 9, 0, 0, None
    out = bytearray()
    for piece in pieces:
        for byte in piece:
            buffer, buffered = (buffer << 8) | byte, buffered + 8
            while buffered >= width:
                buffered -= width
                code = buffer >> buffered
                buffer &= (1 << buffered) - 1
                if code == 256:
                    del table[258:]
                    width, previous = 9, None
                    continue
                if code == 257:
                    yield bytes(out)
                    return
                if code < len(table):
                    entry = table[code]
                    if previous is not None and len(table) < 4096:
                        table.append(previous + entry[:1])
                elif code == len(table) and previous is not None and len(table) < 4096:
                    entry = previous + previous[:1]
                    table.append(entry)
                else:
                    yield bytes(out)
                    return
                out += entry
                previous = entry
                if len(table) + early_change >= 1 << width and width < 12:
                    width += 1
                if len(out) >= _PIECE:
                    yield bytes(out)
                    out.clear()
    yield bytes(out)


def _ascii_hex(pieces):
    odd = b""
    for piece in pieces:
        end = piece.find(b">")
        digits = odd + (piece if end < 0 else piece[:end]).translate(None, _WHITESPACE)
        odd = digits[len(digits) // 2 * 2 :]
        try:
            yield binascii.unhexlify(digits[: len(digits) // 2 * 2])
        except binascii.Error:
            return
        if end >= 0:
            break
    if odd:
        yield binascii.unhexlify(odd + b"0")


def _ascii_85(pieces):
    rest = b""
    for piece in pieces:
        end = piece.find(b"~")
        # "z" stands for a group of five "!", so groups can be cut every five characters.
        text = rest + (piece if end < 0 else piece[:end]).translate(None, _WHITESPACE).replace(b"z", b"!!!!!")
        whole = len(text) // 5 * 5
        rest = text[whole:]
        try:
            yield base64.a85decode(text[:whole])
        except ValueError:
            return
        if end >= 0:
            break
    if len(rest) > 1:
        try:
            yield base64.a85decode(rest)
        except ValueError:
            return


def _run_length(pieces):
    out, pending = bytearray(), b""
    for piece in pieces:
        data, at = pending + piece, 0
        while at < len(data):
            length = data[at]
            if length == 128:
                yield bytes(out)
                return
            if length < 128:
                if at + length + 2 > len(data):
                    break
                out += data[at + 1 : at + length + 2]
                at += length + 2
            else:
                if at + 2 > len(data):
                    break
                out += data[at + 1 : at + 2] * (257 - length)
                at += 2
            if len(out) >= _PIECE:
                yield bytes(out)
                out.clear()
        pending = data[at:]
    yield bytes(out)


class _PieceReader:
    """Reads a few bytes at a time from a stream of pieces, for picture headers."""

    def __init__(self, pieces):
        self._pieces = iter(pieces)
        self._buffer = b""

    def read(self, count: int) -> bytes:
        while len(self._buffer) < count:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buffer += piece
        out, self._buffer = self._buffer[:count], self._buffer[count:]
        return out

    def rest(self):
        if self._buffer:
            yield self._buffer
        yield from self._pieces

    def skip(self, count: int) -> None:
        while count > 0:
            skipped = len(self.read(min(count, _PIECE)))
            if not skipped:
                return
            count -= skipped


def _jpeg_size(reader: _PieceReader) -> tuple[int, int] | None:
    if reader.read(2) != b"\xff\xd8":
        return None
    while byte := reader.read(1):
        if byte != b"\xff":
            continue
        marker = reader.read(1)
        while marker == b"\xff":
            marker = reader.read(1)
        if not marker or marker[0] in (0xD9, 0xDA):  # end of image, or the pixels start: no size before them
            return None
        if marker[0] in (0x00, 0x01) or 0xD0 <= marker[0] <= 0xD8:
            continue
        length = int.from_bytes(reader.read(2), "big")
        if length < 2:
            return None
        if marker[0] in _SOF_MARKERS:
            frame = reader.read(5)
            if len(frame) < 5:
                return None
            return int.from_bytes(frame[3:5], "big"), int.from_bytes(frame[1:3], "big")
        reader.skip(length - 2)
    return None


def _jpeg_2000_size(reader: _PieceReader) -> tuple[int, int] | None:
    def codestream_size():
        if reader.read(2) != b"\xff\x51":  # SIZ, which must follow the start of the codestream
            return None
        siz = reader.read(20)
        if len(siz) < 20:
            return None
        x, y, x_offset, y_offset = (int.from_bytes(siz[at : at + 4], "big") for at in (4, 8, 12, 16))
        return max(x - x_offset, 0), max(y - y_offset, 0)

    start = reader.read(2)
    if start == b"\xff\x4f":
        return codestream_size()
    header = start + reader.read(6)
    while len(header) == 8:  # JP2 boxes: length, type, and the codestream in the "jp2c" box
        length, kind, header_length = int.from_bytes(header[:4], "big"), header[4:], 8
        if length == 1:
            length, header_length = int.from_bytes(reader.read(8), "big"), 16
        if kind == b"jp2c":
            return codestream_size() if reader.read(2) == b"\xff\x4f" else None
        if length < header_length:
            return None
        reader.skip(length - header_length)
        header = reader.read(8)
    return None
