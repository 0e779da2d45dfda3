"""What an uploaded PDF holds, checked in a limited child process (see ``sandbox``).

``check`` reads the file with pypdf and raises ``Refused`` when it is
encrypted, too long, or too complex, when it would unpack to far more than it
weighs, or when it holds anything that does something rather than shows
something. Only web links and moves within the document are left; by default
everything else is refused:

- every action but those two, wherever a reader runs one: a click (``/A``,
  ``/PA``) and what follows it (``/Next``), the document's opening
  (``/OpenAction``: only a move), and the events of the document, pages,
  annotations and form fields (``/AA``: none at all). A remote go-to names
  another file or share (``\\\\host\\share`` leaks Windows credentials), so
  it is refused with the other types; web links must go to http(s) or mailto
  addresses;
- scripts (``/JS``, the ``/JavaScript`` names tree), XFA forms, and the
  names trees of renditions and alternate presentations;
- attached and referenced files, with or without their type
  (``/EmbeddedFiles``, ``/EF``, ``/RF``, ``/UF``, ``/AF``, portfolios,
  ``/Filespec`` and ``/EmbeddedFile`` objects);
- annotations other than the kinds that only show something (no sound,
  movie, screen, 3D, rich media or file attachment);
- and, as a second net, any action type or action object elsewhere in the
  file, and action names in the raw bytes outside the objects the file lists.

Each rule says what it found (``Refused.detail``): a name and a place, never
anything the document says, so it can be logged.

Every stream is unpacked by pypdf's own filters under a budget that shrinks
with what each one put out. Pictures are not decoded; what they declare, in
their dictionary and in their own header, is counted against a pixel budget.

This module imports nothing of Django: it runs in the child.
"""

from __future__ import annotations

import json
import re
import warnings
from io import BytesIO
from urllib.parse import urlsplit

from PIL import Jpeg2KImagePlugin, JpegImagePlugin
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import ASCII85Decode, ASCIIHexDecode, FlateDecode, LZWDecode, RunLengthDecode
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

MAX_PAGES = 20
MAX_OBJECTS = 20_000
MAX_NESTING = 50
# Everything the viewer would unpack, over all streams of the file. A scanned
# prescription unpacks to a few megabytes; a decompression bomb to gigabytes.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PICTURE_PIXELS = 50_000_000  # a 50-megapixel phone photo; a page scan is far smaller
# All pictures together: like twenty A4 pages scanned at 400 dpi.
MAX_PIXELS = 400_000_000
# What pypdf itself unpacks to read the file's structure (cross-reference and
# object streams), each one; real ones are a few hundred kilobytes.
MAX_STRUCTURE_BYTES = 16 * 1024 * 1024
# How much of a damaged deflate stream pypdf may try to rescue, byte by byte.
MAX_RESCUED_BYTES = 1024 * 1024
MAX_FILTERS = 8

# Actions a reader runs when the pharmacist clicks: a move within the document, a web link.
ON_CLICK = {"/GoTo", "/URI"}
# Actions a reader runs by itself when the document opens: a move within it.
ON_OPENING = {"/GoTo"}
WEB_OR_MAIL = {"http", "https", "mailto"}
# ISO 32000-2, table 201: every action type.
ACTION_TYPES = {
    "/GoTo",
    "/GoToR",
    "/GoToE",
    "/GoToDp",
    "/Launch",
    "/Thread",
    "/URI",
    "/Sound",
    "/Movie",
    "/Hide",
    "/Named",
    "/SubmitForm",
    "/ResetForm",
    "/ImportData",
    "/SetOCGState",
    "/Rendition",
    "/Trans",
    "/GoTo3DView",
    "/JavaScript",
    "/RichMediaExecute",
}
# Annotations that only show something: notes, marks, links, form fields.
PLAIN_ANNOTATIONS = {
    "/Text",
    "/Link",
    "/FreeText",
    "/Line",
    "/Square",
    "/Circle",
    "/Polygon",
    "/PolyLine",
    "/Highlight",
    "/Underline",
    "/Squiggly",
    "/StrikeOut",
    "/Caret",
    "/Stamp",
    "/Ink",
    "/Popup",
    "/Widget",
    "/Redact",
    "/Watermark",
    "/PrinterMark",
    "/TrapNet",
}
# Keys that hold a script, an attached or referenced file, or a program of some other kind.
ACTIVE_KEYS = {
    "/JS": "a script",
    "/JavaScript": "the document's scripts",
    "/XFA": "an XFA form",
    "/EmbeddedFiles": "attached files",
    "/EF": "an attached file",
    "/RF": "related files",
    "/UF": "a file name",
    "/AF": "associated files",
    "/Collection": "a portfolio",
    "/Renditions": "media renditions",
    "/AlternatePresentations": "a slide show",
}
# Object types that are a file, attached or elsewhere.
FILE_TYPES = {"/EmbeddedFile", "/Filespec"}
# The raw bytes are searched for these, once the objects are checked: a name
# outside every object the file lists, where a reader repairing the file may
# still find it. Only long names: a short one turns up by chance in packed data.
RAW_NAMES = re.compile(rb"/(JavaScript|Launch|EmbeddedFiles?|RichMedia\w*|SubmitForm|ImportData|GoToR|GoToE)(?![\w#])")

# What pypdf itself unpacks while reading the structure, per stream.
PYPDF_LIMITS = {
    "zlib_maximum_output_length": MAX_STRUCTURE_BYTES,
    "lzw_maximum_output_length": MAX_STRUCTURE_BYTES,
    "run_length_maximum_output_length": MAX_STRUCTURE_BYTES,
    "jbig2_maximum_output_length": MAX_STRUCTURE_BYTES,
    "array_based_stream_maximum_output_length": MAX_STRUCTURE_BYTES,
    "zlib_maximum_recovery_input_length": MAX_RESCUED_BYTES,
}
# The filters that only pack bytes, each by pypdf's own decoder. Predictors
# (/DecodeParms) are left out: they rearrange bytes, and pypdf's run in pure
# Python, byte by byte.
PACKING_FILTERS = {
    "/FlateDecode": FlateDecode.decode,
    "/LZWDecode": LZWDecode.decode,
    "/ASCIIHexDecode": ASCIIHexDecode.decode,
    "/ASCII85Decode": ASCII85Decode.decode,
    "/RunLengthDecode": RunLengthDecode.decode,
}
# Picture codecs, the last filter of a picture: not decoded; their header gives the size, when they have one.
PICTURE_HEADERS = {
    "/DCTDecode": JpegImagePlugin.JpegImageFile,
    "/JPXDecode": Jpeg2KImagePlugin.Jpeg2KImageFile,
    "/CCITTFaxDecode": None,
    "/JBIG2Decode": None,
}


class Refused(Exception):
    """The file is refused: ``code`` says why, ``params`` fill in the customer's message, ``detail`` can be logged."""

    def __init__(self, code: str, detail: str = "", **params):
        super().__init__(code, detail)
        self.code, self.detail, self.params = code, detail, params


def check(data: bytes) -> int:
    """The number of pages of a PDF that may be stored, or ``Refused``."""
    with warnings.catch_warnings(), apply_configuration(**PYPDF_LIMITS):
        # pypdf warns about every quirk of a damaged file; what matters is
        # whether it can be read at all, which the exceptions decide.
        warnings.simplefilter("ignore")
        try:
            return _check(data)
        except (Refused, MemoryError):
            raise
        except Exception as error:
            # pypdf meets hostile files with many kinds of error (PdfReadError,
            # LimitReachedError, RecursionError, ValueError...). Whichever it
            # is, the file is not one we can check.
            raise Refused("damaged", type(error).__name__) from None


def child(data: bytes) -> bytes:
    """In the child process: the verdict as JSON."""
    try:
        verdict = {"pages": check(data)}
    except Refused as refused:
        verdict = {"refused": refused.code, "detail": refused.detail, "params": refused.params}
    except MemoryError:
        verdict = {"refused": "too_much_content", "detail": "out of memory", "params": {"limit": MAX_UNPACKED_BYTES}}
    return json.dumps(verdict).encode()


def _check(data: bytes) -> int:
    budget = _Budget()
    reader = _BudgetedReader(BytesIO(data), budget)
    if reader.is_encrypted:
        raise Refused("encrypted")
    pages = len(reader.pages)
    if pages == 0:
        raise Refused("empty_pdf")
    if pages > MAX_PAGES:
        raise Refused("too_many_pages", pages=pages, max=MAX_PAGES)
    # Every object in the file, including those packed in object streams,
    # so active content cannot hide behind hex-escaped names or compression.
    direct = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers = direct | {(num, 0) for num in reader.xref_objStm}
    if len(numbers) > MAX_OBJECTS:
        raise Refused("too_complex", f"{len(numbers)} objects")
    # Streams are never inside object streams, so the direct objects hold them
    # all. Object streams go first: reading any other object may make pypdf
    # unpack one, and each must be paid for before that happens.
    containers = {(num, 0) for num, _index in reader.xref_objStm.values()}
    for num, gen in sorted(containers & direct) + sorted(direct - containers):
        budget.pay_for(reader, num, gen)
    objects = [reader.trailer] + [reader.get_object(IndirectObject(n, g, reader)) for n, g in sorted(numbers)]
    dictionaries = [found for obj in objects for found in _dictionaries(obj)]
    for rule in RULES:
        for dictionary in dictionaries:
            found = rule(dictionary)
            if found:
                raise Refused("active_pdf", found)
    if match := RAW_NAMES.search(data):
        raise Refused("active_pdf", f"/{match[1].decode()} outside the file's objects")
    return pages


def _dictionaries(obj, depth: int = 0):
    """Dictionaries directly inside ``obj`` (not following references: each object is checked on its own)."""
    if depth > MAX_NESTING:
        raise Refused("too_complex", "nesting")
    if isinstance(obj, DictionaryObject):
        yield obj
        for value in obj.values():
            yield from _dictionaries(value, depth + 1)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            yield from _dictionaries(value, depth + 1)


# --- The rules, in the order they are applied: the first finding is the one reported -----------


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _action_chain(value, limit: int = 64):
    """The actions of ``value`` (an action, or none) and of its /Next entries, in the order a reader runs them."""
    pending, seen = [(value, False)], set()
    while pending:
        value, chained = pending.pop(0)
        if isinstance(value, IndirectObject):
            if value.idnum in seen:
                continue
            seen.add(value.idnum)
        value = _resolved(value)
        if isinstance(value, ArrayObject) and chained:
            pending[:0] = [(item, True) for item in value]
            continue
        # A dictionary without /S is not an action (a structure element's /A holds its attributes).
        if not isinstance(value, DictionaryObject) or ("/S" not in value and value.get("/Type") != "/Action"):
            continue
        limit -= 1
        if limit < 0:
            raise Refused("too_complex", "actions")
        yield value, chained
        if "/Next" in value:
            # As written, not resolved (which [] would do): a reference loop is then seen as one.
            pending[:0] = [(value.raw_get("/Next"), True)]


def _action_type(action) -> str:
    kind = _resolved(action.get("/S"))
    return kind if isinstance(kind, str) else "(no type)"


def _on_click(dictionary) -> str | None:
    for key in ("/A", "/PA"):
        for action, chained in _action_chain(dictionary.get(key)):
            kind, place = _action_type(action), f"{key}/Next" if chained else key
            if kind not in ON_CLICK:
                return f"action {kind} under {place}"
            if kind == "/URI" and not _web_or_mail(_resolved(action.get("/URI"))):
                return f"/URI to neither a web nor a mail address under {place}"
    return None


def _web_or_mail(uri) -> bool:
    if isinstance(uri, bytes):
        uri = uri.decode("latin-1")
    if not isinstance(uri, str) or uri != uri.strip() or "\\" in uri:
        return False
    try:
        return urlsplit(uri).scheme.lower() in WEB_OR_MAIL
    except ValueError:
        return False


def _on_opening(dictionary) -> str | None:
    # An array is a destination: the page the document opens at.
    for action, chained in _action_chain(dictionary.get("/OpenAction")):
        kind = _action_type(action)
        if kind not in ON_OPENING:
            return f"action {kind} under /OpenAction{'/Next' if chained else ''}"
    return None


def _on_events(dictionary) -> str | None:
    events = _resolved(dictionary.get("/AA"))
    if isinstance(events, DictionaryObject) and events:
        action = _resolved(next(iter(events.values())))
        kind = _action_type(action) if isinstance(action, DictionaryObject) else "(not an action)"
        return f"additional action {kind} under /AA"
    return None


def _annotation(dictionary) -> str | None:
    annotations = [_resolved(item) for item in _as_list(dictionary.get("/Annots"))]
    if dictionary.get("/Type") == "/Annot":
        annotations.append(dictionary)
    for annotation in annotations:
        if isinstance(annotation, DictionaryObject):
            subtype = _resolved(annotation.get("/Subtype"))
            if subtype not in PLAIN_ANNOTATIONS:
                return f"{subtype if isinstance(subtype, str) else '(no subtype)'} annotation"
    return None


def _active_key(dictionary) -> str | None:
    for key in dictionary:
        if key in ACTIVE_KEYS:
            return f"{key} entry ({ACTIVE_KEYS[key]})"
    return None


def _file_object(dictionary) -> str | None:
    kind = _resolved(dictionary.get("/Type"))
    return f"{kind} object" if kind in FILE_TYPES else None


def _action_elsewhere(dictionary) -> str | None:
    kind = _resolved(dictionary.get("/S"))
    if kind in ACTION_TYPES - ON_CLICK:
        return f"action {kind} elsewhere"
    if dictionary.get("/Type") == "/Action" and kind not in ON_CLICK:
        return f"action {kind if isinstance(kind, str) else '(no type)'} elsewhere"
    return None


RULES = [_on_click, _on_opening, _on_events, _annotation, _active_key, _file_object, _action_elsewhere]


# --- Unpacking the streams within a budget -------------------------------------------------------


class _Budget:
    def __init__(self):
        self.bytes_left = MAX_UNPACKED_BYTES
        self.pixels_left = MAX_PIXELS
        self.paid: set[tuple[int, int]] = set()

    def pay_for(self, reader, num: int, gen: int) -> None:
        if (num, gen) in self.paid:
            return
        self.paid.add((num, gen))
        obj = reader.get_object(IndirectObject(num, gen, reader))
        if isinstance(obj, StreamObject):
            _unpack(obj, self)

    def unpack(self, decode, data: bytes) -> bytes:
        """``decode(data)``, allowed to put out no more than what is left of the budget."""
        if self.bytes_left <= 0:  # pypdf reads a limit of 0 as none
            raise self.spent()
        if decode is ASCII85Decode.decode:
            # Unbounded in pypdf; each "z" stands for four bytes, each other five characters for four.
            zeros = data.count(b"z")
            if 4 * zeros + (len(data) - zeros) * 4 // 5 > self.bytes_left:
                raise self.spent()
        limit = {
            "zlib_maximum_output_length": self.bytes_left,
            "lzw_maximum_output_length": self.bytes_left,
            "run_length_maximum_output_length": self.bytes_left,
        }
        try:
            with apply_configuration(**limit):
                out = decode(data, None)
        except LimitReachedError:
            raise self.spent() from None
        self.spend(len(out))
        return out

    def spend(self, count: int) -> None:
        self.bytes_left -= count
        if self.bytes_left < 0:
            raise self.spent()

    def spent(self) -> Refused:
        return Refused("too_much_content", limit=MAX_UNPACKED_BYTES)

    def spend_pixels(self, width: int, height: int) -> None:
        if width * height > MAX_PICTURE_PIXELS:
            raise Refused("picture_too_large", width=width, height=height)
        self.pixels_left -= width * height
        if self.pixels_left < 0:
            raise Refused("too_many_pictures")


class _BudgetedReader(PdfReader):
    """A reader that charges each object stream to the budget before pypdf unpacks it and keeps it."""

    def __init__(self, stream, budget: _Budget):
        self._budget = budget
        super().__init__(stream, strict=False)

    def _get_object_from_stream(self, indirect_reference):
        container, _index = self.xref_objStm[indirect_reference.idnum]
        self._budget.pay_for(self, container, 0)
        return super()._get_object_from_stream(indirect_reference)


def _unpack(stream, budget: _Budget) -> None:
    """Run the stream through its filters, paying for what each puts out; count a picture's pixels."""
    filters = [_resolved(name) for name in _as_list(stream.get("/Filter"))]
    if len(filters) > MAX_FILTERS:
        raise Refused("unsupported_pdf", "filters")
    is_image = _resolved(stream.get("/Subtype")) == "/Image"
    size = (_positive(stream.get("/Width")), _positive(stream.get("/Height"))) if is_image else (0, 0)
    data = stream._data or b""  # the bytes as stored in the file; get_data() would unpack them and keep them
    if not filters:
        budget.spend(len(data))
    for position, name in enumerate(filters):
        if name in PICTURE_HEADERS:
            if position != len(filters) - 1:
                raise Refused("unsupported_pdf", f"{name} before another filter")
            header = PICTURE_HEADERS[name]
            if header is not None:
                # The viewer believes the picture's own header over the dictionary.
                size = max(size, header(BytesIO(data)).size, key=lambda s: s[0] * s[1])
            break
        decode = PACKING_FILTERS.get(name)
        if decode is None:
            # Crypt, Brotli, abbreviations and names no viewer knows: nothing we can bound.
            raise Refused("unsupported_pdf", f"filter {name}")
        data = budget.unpack(decode, data)
    budget.spend_pixels(*size)


def _as_list(value) -> list:
    value = _resolved(value)
    if value is None:
        return []
    if isinstance(value, ArrayObject):
        return list(value)
    return [value]


def _positive(value) -> int:
    value = _resolved(value)
    return int(value) if isinstance(value, int | float) and value > 0 else 0
