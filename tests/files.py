"""Builders for uploaded files, benign and hostile, made in memory for each test."""

import functools
import random
import struct
import zlib
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

# What must not survive re-encoding, besides the colour profile itself.
METADATA_MARKERS = (b"Sana Qureshi (XMP)", b"Sana Qureshi (comment)")


def image_bytes(fmt="PNG", size=(64, 48), colour=(200, 40, 40), exif_gps=False, metadata=False) -> bytes:
    """A picture; ``metadata`` adds an ICC colour profile, XMP and a comment (a text chunk in a PNG)."""
    image = Image.new("RGB", size, colour)
    out = BytesIO()
    options = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "PhoneModel X"  # Model
        gps = exif.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = (31.0, 31.0, 12.0)  # near Lahore
        gps[3] = "E"
        gps[4] = (74.0, 21.0, 3.0)
        options["exif"] = exif
    if metadata:
        options["icc_profile"] = icc_profile()
        options["xmp"] = (
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Sana Qureshi (XMP)"/>'
            b"</rdf:RDF></x:xmpmeta>"
        )
        if fmt == "PNG":  # PNG keeps XMP and comments in text chunks
            options["pnginfo"] = PngImagePlugin.PngInfo()
            options["pnginfo"].add_itxt("XML:com.adobe.xmp", options["xmp"].decode())
            options["pnginfo"].add_text("Comment", "Sana Qureshi (comment)")
        else:
            options["comment"] = b"Sana Qureshi (comment)"
    image.save(out, format=fmt, **options)
    return out.getvalue()


@functools.cache
def icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge picture (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(
    *, pages=1, javascript=False, open_action=False, launch=False, attachment=False, password=None, padding=0
) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if padding:
        # Spaces in the page's content: as quick to read as a scan's bytes
        # (pypdf reads a string in the file one byte at a time).
        content = DecodedStreamObject()
        content.set_data(b" " * padding)
        writer.pages[0][NameObject("/Contents")] = writer._add_object(content)
    if javascript:
        script = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1);")}
        )
        names = ArrayObject([TextStringObject("hello"), writer._add_object(script)])
        tree = DictionaryObject({NameObject("/Names"): names})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    if open_action:
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://example.com/")}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    if launch:
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
        )
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(action)})
    if attachment:
        writer.add_attachment("notes.txt", b"hidden")
    if password:
        writer.encrypt(password)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Multipart request bodies built by hand, so nothing odd is tidied away on the way --------

BOUNDARY = "----jild-fuzz-7MA4YWxkTrZu0gW"


def quoted(value: str) -> bytes:
    # How browsers write a name inside a multipart header (the HTML standard's escaping).
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A").encode("utf-8", "surrogatepass")


def multipart(parts) -> bytes:
    """``parts``: (field name, value) for text, (field name, file name, content type, bytes) for files."""
    body = []
    for part in parts:
        body.append(f"--{BOUNDARY}\r\n".encode())
        if len(part) == 2:
            name, value = part
            body.append(b'Content-Disposition: form-data; name="' + quoted(name) + b'"\r\n\r\n')
            body.append(value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass"))
        else:
            name, filename, content_type, content = part
            body.append(b'Content-Disposition: form-data; name="' + quoted(name) + b'"; filename="' + quoted(filename))
            body.append(b'"\r\nContent-Type: ' + quoted(content_type) + b"\r\n\r\n" + content)
        body.append(b"\r\n")
    return b"".join([*body, f"--{BOUNDARY}--\r\n".encode()])


def pdf_of_exact_size(size: int) -> bytes:
    """A harmless PDF of exactly ``size`` bytes (padded in its metadata)."""
    padding = size - len(pdf_bytes(padding=1)) + 1
    for _attempt in range(5):  # the lengths written into the file shift by a digit or two
        content = pdf_bytes(padding=padding)
        if len(content) == size:
            return content
        padding += size - len(content)
    raise AssertionError(f"could not build a PDF of {size} bytes")


def pdf_with_objects(*bodies: bytes) -> bytes:
    """A PDF written by hand, object 1 (the catalog) first, with a correct cross-reference table."""
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Root 1 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), entries) + data + b"\nendstream"


# --- Decompression bombs ------------------------------------------------------------------

MB = 1024 * 1024
_SPACES = b" " * MB


@functools.cache
def _deflated_megabyte_of_spaces() -> bytes:
    # After a full flush the compressor starts afresh, so every further
    # megabyte of spaces comes out as these same bytes: a gigabyte of deflate
    # is this block repeated, built in a blink instead of compressed for seconds.
    compressor = zlib.compressobj(9)
    compressor.compress(_SPACES)
    compressor.flush(zlib.Z_FULL_FLUSH)
    return compressor.compress(_SPACES) + compressor.flush(zlib.Z_FULL_FLUSH)


@functools.cache
def deflate_bomb(megabytes: int, prefix: bytes = b"") -> bytes:
    """zlib data that inflates to ``prefix`` and then ``megabytes`` MB of spaces (about 1,000 to 1)."""
    compressor = zlib.compressobj(9)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    # The Adler-32 checksum of prefix + n spaces, worked out rather than computed over a gigabyte.
    a, b = zlib.adler32(prefix) & 0xFFFF, zlib.adler32(prefix) >> 16
    n = megabytes * MB
    a, b = (a + 32 * n) % 65521, (b + n * a + 32 * n * (n + 1) // 2) % 65521
    final_empty_block = b"\x03\x00"
    return head + _deflated_megabyte_of_spaces() * megabytes + final_empty_block + struct.pack(">I", (b << 16) | a)


def lzw_bomb(megabytes: int) -> bytes:
    """LZWDecode data for a run of spaces: each code stands for one more space than the one before."""
    codes, width, table, out = [], 9, 258, 0
    while out < megabytes * MB:
        codes.append((32, width))
        out += 1
        length = 1
        while table < 4095:
            codes.append((table, width))
            table += 1
            length += 1
            out += length
            if table + 1 >= 1 << width and width < 12:
                width += 1
        codes.append((256, width))  # clear the table and start again
        width, table = 9, 258
    codes.append((257, width))
    bits = "".join(format(code, f"0{size}b") for code, size in codes)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def pdf_with_slow_stream(size: int) -> bytes:
    """A PDF whose content stream is ``size`` bytes of LZW codes that each stand for a single byte."""
    # Codes of 9 bits, the table cleared every 250 so that they stay 9 bits wide.
    rng = random.Random(size)
    codes = [rng.randrange(256) if n % 250 else 256 for n in range(size * 8 // 9)]
    bits = "".join(format(code, "09b") for code in codes)
    bits += "0" * (-len(bits) % 8)
    data = int(bits, 2).to_bytes(len(bits) // 8, "big")
    return pdf_with_objects(_CATALOG, _PAGES, _page(), stream(data, b"/Filter /LZWDecode"))


_CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def _page(entries: bytes = b"") -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R %s >>" % entries


@functools.cache
def pdf_bomb(where: str = "content", megabytes: int = 1024) -> bytes:
    """A PDF of about a megabyte (or less) whose streams unpack to ``megabytes`` MB.

    ``where``: the page's content stream ("content"), a content stream packed
    twice ("flate-twice"), hex text of a packed one ("hex-over-flate"), LZW
    ("lzw"), an embedded font ("font"), a picture's pixels ("image"), many
    streams of a megabyte each ("many-streams"), or an object stream
    ("object-stream").
    """
    bomb = deflate_bomb(megabytes)
    if where == "content":
        return pdf_with_objects(_CATALOG, _PAGES, _page(), stream(bomb, b"/Filter /FlateDecode"))
    if where == "flate-twice":
        packed = stream(zlib.compress(bomb, 9), b"/Filter [/FlateDecode /FlateDecode]")
        return pdf_with_objects(_CATALOG, _PAGES, _page(), packed)
    if where == "hex-over-flate":
        hexed = stream(bomb.hex().encode() + b">", b"/Filter [/ASCIIHexDecode /FlateDecode]")
        return pdf_with_objects(_CATALOG, _PAGES, _page(), hexed)
    if where == "lzw":
        return pdf_with_objects(_CATALOG, _PAGES, _page(), stream(lzw_bomb(megabytes), b"/Filter /LZWDecode"))
    if where == "font":
        return pdf_with_objects(
            _CATALOG,
            _PAGES,
            _page(b"/Resources << /Font << /F1 5 0 R >> >>"),
            stream(b"BT /F1 12 Tf 72 720 Td (Rx) Tj ET"),
            b"<< /Type /Font /Subtype /TrueType /BaseFont /Rx /FontDescriptor 6 0 R >>",
            b"<< /Type /FontDescriptor /FontName /Rx /Flags 32 /FontBBox [0 0 1000 1000] /ItalicAngle 0"
            b" /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 7 0 R >>",
            stream(bomb, b"/Filter /FlateDecode"),
        )
    if where == "image":
        return pdf_with_objects(
            _CATALOG,
            _PAGES,
            _page(b"/Resources << /XObject << /Im1 5 0 R >> >>"),
            stream(b"q 500 0 0 700 40 60 cm /Im1 Do Q"),
            stream(
                bomb,
                b"/Type /XObject /Subtype /Image /Width 4000 /Height 5000 /ColorSpace /DeviceGray"
                b" /BitsPerComponent 8 /Filter /FlateDecode",
            ),
        )
    if where == "many-streams":
        parts = [stream(deflate_bomb(1), b"/Filter /FlateDecode") for _ in range(megabytes)]
        contents = b" ".join(b"%d 0 R" % number for number in range(4, 4 + megabytes))
        page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [%s] >>" % contents
        return pdf_with_objects(_CATALOG, _PAGES, page, *parts)
    if where == "object-stream":
        return pdf_with_object_stream(megabytes)
    raise ValueError(where)


def pdf_with_object_stream(megabytes: int, *, length_in_object_stream: bool = False) -> bytes:
    """A PDF 1.5 file whose page resources sit in an object stream padded to ``megabytes`` MB of spaces.

    With ``length_in_object_stream``, a second, small object stream holds the
    resources, and the length of that one is stored in the padded one, so that
    reading it makes a reader unpack the padded one first.
    """
    # Objects: 1 catalog, 2 pages, 3 page, 4 content, 5 and 6 object streams (6 only with
    # length_in_object_stream), 7 the resources, 8 the length of object stream 5, 9 the cross-reference stream.
    resources = b"<< /ProcSet [/PDF] >>"
    direct = {1: _CATALOG, 2: _PAGES, 3: _page(b"/Resources 7 0 R"), 4: stream(b"BT ET")}
    if length_in_object_stream:
        first, data = _object_stream_data({7: resources})
        small = zlib.compress(data)
        direct[5] = (
            b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length 8 0 R >>\nstream\n" % first
            + small
            + b"\nendstream"
        )
        padded_number, members, packed_in = 6, {8: b"%d" % len(small)}, {7: (5, 0), 8: (6, 0)}
    else:
        padded_number, members, packed_in = 5, {7: resources}, {7: (5, 0)}
    first, data = _object_stream_data(members)
    direct[padded_number] = stream(
        deflate_bomb(megabytes, data), b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(members), first)
    )

    out = b"%PDF-1.5\n"
    offsets = {}
    for number in sorted(direct):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + direct[number] + b"\nendobj\n"
    offsets[9] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, 10):
        if number in offsets:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
        elif number in packed_in:
            rows.append(struct.pack(">BIH", 2, *packed_in[number]))
        else:
            rows.append(struct.pack(">BIH", 0, 0, 0))
    table = b"".join(rows)
    out += b"9 0 obj\n" + stream(table, b"/Type /XRef /Size 10 /W [1 4 2] /Root 1 0 R") + b"\nendobj\n"
    return out + b"startxref\n%d\n%%%%EOF\n" % offsets[9]


def _object_stream_data(members: dict[int, bytes]) -> tuple[int, bytes]:
    body, header = b"", []
    for number, obj in members.items():
        header.append(b"%d %d" % (number, len(body)))
        body += obj + b" "
    head = b" ".join(header) + b" "
    return len(head), head + body


def pdf_with_picture(width: int, height: int, *, header_size: tuple[int, int] | None = None) -> bytes:
    """A PDF showing a JPEG whose dictionary says ``width`` × ``height``; its own header may say otherwise."""
    jpeg = bytearray(image_bytes("JPEG", size=(16, 16)))
    if header_size is not None:
        frame = jpeg.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
        jpeg[frame + 5 : frame + 9] = struct.pack(">HH", header_size[1], header_size[0])
    return pdf_with_objects(
        _CATALOG,
        _PAGES,
        _page(b"/Resources << /XObject << /Im1 5 0 R >> >>"),
        stream(b"q 500 0 0 700 40 60 cm /Im1 Do Q"),
        stream(
            bytes(jpeg),
            b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB"
            b" /BitsPerComponent 8 /Filter /DCTDecode" % (width, height),
        ),
    )
