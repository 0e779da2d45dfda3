"""Builders for uploaded files, benign and hostile, made in memory for each test."""

import struct
import zlib
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def image_bytes(fmt="PNG", size=(64, 48), colour=(200, 40, 40), exif_gps=False) -> bytes:
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
    image.save(out, format=fmt, **options)
    return out.getvalue()


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
    if padding:
        writer.add_metadata({"/Comment": "x" * padding})
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
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


def pdf_of_exact_size(size: int) -> bytes:
    """A harmless PDF of exactly ``size`` bytes (padded in its metadata)."""
    padding = size - len(pdf_bytes(padding=1)) + 1
    for _attempt in range(5):  # the lengths written into the file shift by a digit or two
        content = pdf_bytes(padding=padding)
        if len(content) == size:
            return content
        padding += size - len(content)
    raise AssertionError(f"could not build a PDF of {size} bytes")
