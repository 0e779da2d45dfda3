"""Active content in a PDF is refused wherever it sits; web links, moves and plain documents pass.

Each test names what the check found (``Refused.detail``), not only that the
file was refused: the rules overlap on purpose (an action is refused where a
reader runs it, and again as an action anywhere), so a test that only looked
for a refusal would still pass with one of its rules taken out.
"""

import zlib
from io import BytesIO

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from prescriptions import pdfcheck
from prescriptions.pdfcheck import Refused
from tests.files import _object_stream_data, image_bytes, pdf_with_objects, stream


def pdf(*, catalog: bytes = b"", page: bytes = b"", extra: tuple[bytes, ...] = ()) -> bytes:
    """Objects 1 to 4: catalog, pages, page, content; ``extra`` from 5 on."""
    return pdf_with_objects(
        b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R %s >>" % page,
        stream(b"BT /F1 12 Tf 72 720 Td (Rx) Tj ET"),
        *extra,
    )


def finding(data: bytes) -> str | None:
    """What the check found, or None when the file passes."""
    try:
        pdfcheck.check(data)
    except Refused as refused:
        assert refused.code == "active_pdf", (refused.code, refused.detail)
        return refused.detail
    return None


UNC = rb"(\\\\fileserver\\share\\lab-results.pdf)"


def action(kind: str) -> bytes:
    """An action of type ``kind``, with what a real one of that type carries."""
    entries = {
        "GoTo": b"/D [3 0 R /Fit]",
        "GoToR": b"/F " + UNC + b" /D [0 /Fit]",
        "GoToE": b"/T << /R /C /N (lab-results.pdf) >> /D [0 /Fit]",
        "Launch": b"/F (lab-results.exe)",
        "URI": b"/URI (https://jild.example.pk/)",
        "SubmitForm": b"/F << /FS /URL /F (https://collect.example/) >>",
        "ImportData": b"/F (answers.fdf)",
        "JavaScript": b"/JS (app.alert(1))",
        "Named": b"/N /Print",
        "Hide": b"/T (field) /H true",
    }.get(kind, b"")
    return b"<< /Type /Action /S /%s %s >>" % (kind.encode(), entries)


def link(entries: bytes) -> bytes:
    return b"/Annots [<< /Type /Annot /Subtype /Link /Rect [72 700 200 720] %s >>]" % entries


def widget(entries: bytes) -> dict:
    return {
        "catalog": b"/AcroForm << /Fields [5 0 R] >>",
        "page": b"/Annots [5 0 R]",
        "extra": (b"<< /Type /Annot /Subtype /Widget /FT /Btn /T (send) /Rect [0 0 90 20] /P 3 0 R %s >>" % entries,),
    }


def outline_item(entries: bytes) -> dict:
    return {
        "catalog": b"/Outlines 5 0 R",
        "extra": (
            b"<< /Type /Outlines /First 6 0 R /Last 6 0 R /Count 1 >>",
            b"<< /Title (Prescription) /Parent 5 0 R %s >>" % entries,
        ),
    }


# Where a reader runs an action, each as (builder of the file around the action, the name of the place).
CLICKED = {
    "link": (lambda a: pdf(page=link(b"/A " + a)), "/A"),
    "link-pa": (lambda a: pdf(page=link(b"/PA " + a)), "/PA"),
    "form-field": (lambda a: pdf(**widget(b"/A " + a)), "/A"),
    "outline-item": (lambda a: pdf(**outline_item(b"/A " + a)), "/A"),
    "link-by-reference": (lambda a: pdf(page=link(b"/A 5 0 R"), extra=(a,)), "/A"),
    "after-a-web-link": (
        lambda a: pdf(page=link(b"/A << /S /URI /URI (https://jild.example.pk/) /Next %s >>" % a)),
        "/A/Next",
    ),
    "after-a-move-in-an-array": (
        lambda a: pdf(page=link(b"/A << /S /GoTo /D [3 0 R /Fit] /Next [<< /S /GoTo /D [3 0 R /Fit] >> %s] >>" % a)),
        "/A/Next",
    ),
}
ON_OPENING = {
    "document-opening": (lambda a: pdf(catalog=b"/OpenAction " + a), "/OpenAction"),
    "after-the-opening-move": (
        lambda a: pdf(catalog=b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next %s >>" % a),
        "/OpenAction/Next",
    ),
}
ON_EVENTS = {
    "document-event": lambda a: pdf(catalog=b"/AA << /WC %s >>" % a),
    "page-event": lambda a: pdf(page=b"/AA << /O %s >>" % a),
    "annotation-event": lambda a: pdf(page=link(b"/AA << /E %s >>" % a)),
    "form-field-event": lambda a: pdf(**widget(b"/AA << /K %s >>" % a)),
}
# ISO 32000-2, table 201: every action type a reader may know.
TYPES = [
    "GoTo",
    "GoToR",
    "GoToE",
    "GoToDp",
    "Launch",
    "Thread",
    "URI",
    "Sound",
    "Movie",
    "Hide",
    "Named",
    "SubmitForm",
    "ResetForm",
    "ImportData",
    "SetOCGState",
    "Rendition",
    "Trans",
    "GoTo3DView",
    "JavaScript",
    "RichMediaExecute",
]
# A type no reader knows: refused because it is not one of the few let through, not because it is listed.
UNKNOWN = "FutureAction"


@pytest.mark.parametrize("kind", [*TYPES, UNKNOWN])
@pytest.mark.parametrize("place", list(CLICKED))
def test_a_click_may_only_move_within_the_document_or_open_a_web_page(place, kind):
    build, name = CLICKED[place]

    found = finding(build(action(kind)))

    assert found == (None if kind in ("GoTo", "URI") else f"action /{kind} under {name}")


@pytest.mark.parametrize("kind", [*TYPES, UNKNOWN])
@pytest.mark.parametrize("place", list(ON_OPENING))
def test_opening_the_document_may_only_move_within_it(place, kind):
    build, name = ON_OPENING[place]

    found = finding(build(action(kind)))

    assert found == (None if kind == "GoTo" else f"action /{kind} under {name}")


@pytest.mark.parametrize("kind", [*TYPES, UNKNOWN])
@pytest.mark.parametrize("place", list(ON_EVENTS))
def test_no_action_may_run_on_an_event_of_the_document_a_page_an_annotation_or_a_field(place, kind):
    assert finding(ON_EVENTS[place](action(kind))) == f"additional action /{kind} under /AA"


def test_an_event_holding_something_other_than_an_action_is_refused_too():
    assert finding(pdf(page=b"/AA << /O 42 >>")) == "additional action (not an action) under /AA"


def test_an_empty_list_of_events_passes():
    assert finding(pdf(page=b"/AA << >>")) is None


def test_an_action_without_a_type_is_refused_where_a_click_runs_it():
    assert finding(pdf(page=link(b"/A << /Type /Action /URI (https://jild.example.pk/) >>"))) == (
        "action (no type) under /A"
    )


@pytest.mark.parametrize(
    "uri",
    [
        pytest.param(b"(https://jild.example.pk/contact/)", id="https"),
        pytest.param(b"(http://pmdc.org.pk/)", id="http"),
        pytest.param(b"(HTTPS://JILD.EXAMPLE.PK/)", id="upper-case"),
        pytest.param(b"(mailto:clinic@example.pk)", id="mailto"),
        pytest.param(b"<68747470733a2f2f6a696c642e6578616d706c652e706b2f>", id="hex-string"),
    ],
)
def test_a_link_to_a_web_or_mail_address_passes(uri):
    assert finding(pdf(page=link(b"/A << /S /URI /URI %s >>" % uri))) is None


@pytest.mark.parametrize(
    "uri",
    [
        pytest.param(UNC, id="unc-path"),
        pytest.param(rb"(file://fileserver/share/lab-results.pdf)", id="file-on-a-share"),
        pytest.param(b"(file:///C:/Windows/System32/calc.exe)", id="local-file"),
        pytest.param(b"(smb://fileserver/share)", id="smb"),
        pytest.param(b"(javascript:app.alert(1))", id="javascript"),
        pytest.param(b"(data:text/html,<script>alert(1)</script>)", id="data"),
        pytest.param(b"(results/lab.pdf)", id="relative"),
        pytest.param(b"( https://jild.example.pk/)", id="leading-space"),
        pytest.param(rb"(https://jild.example.pk\\..\\share)", id="backslash"),
        pytest.param(b"42", id="not-a-string"),
    ],
)
def test_a_link_to_anything_but_a_web_or_mail_address_is_refused(uri):
    assert finding(pdf(page=link(b"/A << /S /URI /URI %s >>" % uri))) == (
        "/URI to neither a web nor a mail address under /A"
    )


def test_a_link_that_opens_a_web_page_and_then_a_share_is_refused():
    data = pdf(page=link(b"/A << /S /URI /URI (https://jild.example.pk/) /Next << /S /URI /URI %s >> >>" % UNC))

    assert finding(data) == "/URI to neither a web nor a mail address under /A/Next"


def test_the_document_may_open_at_a_page():
    assert finding(pdf(catalog=b"/OpenAction [3 0 R /XYZ null null 0]")) is None


def test_a_chain_of_actions_that_loops_is_read_once():
    data = pdf(page=link(b"/A 5 0 R"), extra=(b"<< /S /GoTo /D [3 0 R /Fit] /Next 5 0 R >>",))

    assert finding(data) is None


def test_a_chain_of_too_many_actions_is_refused_as_too_complex():
    moves = [b"<< /S /GoTo /D [3 0 R /Fit] /Next %d 0 R >>" % (number + 1) for number in range(5, 75)]
    with pytest.raises(Refused) as refused:
        pdfcheck.check(pdf(page=link(b"/A 5 0 R"), extra=(*moves, b"<< /S /GoTo /D [3 0 R /Fit] >>")))

    assert (refused.value.code, refused.value.detail) == ("too_complex", "actions")


def test_a_name_written_with_hex_escapes_is_read_as_the_reader_reads_it():
    assert finding(pdf(page=link(b"/A << /S /J#61vaScri#70t /JS (app.alert(1)) >>"))) == ("action /JavaScript under /A")


# --- Scripts, forms, attachments, media ---------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "data", "found"),
    [
        pytest.param(
            "names-tree-of-scripts",
            pdf(catalog=b"/Names << /JavaScript << /Names [(hello) 5 0 R] >> >>", extra=(action("JavaScript"),)),
            "/JavaScript entry (the document's scripts)",
            id="javascript-names-tree",
        ),
        pytest.param(
            "script-in-a-rendition",
            pdf(page=b"/PieceInfo << /Rx << /JS (app.alert(1)) >> >>"),
            "/JS entry (a script)",
            id="script-elsewhere",
        ),
        pytest.param(
            "xfa-form",
            pdf(catalog=b"/AcroForm << /Fields [] /XFA 5 0 R >>", extra=(stream(b"<xdp:xdp/>"),)),
            "/XFA entry (an XFA form)",
            id="xfa",
        ),
        pytest.param(
            "names-tree-of-attachments",
            pdf(
                catalog=b"/Names << /EmbeddedFiles << /Names [(lab-results.exe) 5 0 R] >> >>",
                extra=(
                    b"<< /Type /Filespec /F (lab-results.exe) /EF << /F 6 0 R >> >>",
                    stream(b"MZ\x90\x00", b"/Type /EmbeddedFile"),
                ),
            ),
            "/EmbeddedFiles entry (attached files)",
            id="embedded-files-names-tree",
        ),
        pytest.param(
            "untyped-attachment",
            pdf(page=b"/PieceInfo << /Rx << /F (lab-results.exe) /EF << /F 5 0 R >> >> >>", extra=(stream(b"MZ"),)),
            "/EF entry (an attached file)",
            id="attachment-without-any-type",
        ),
        pytest.param(
            "related-files",
            pdf(page=b"/PieceInfo << /Rx << /F (a.exe) /RF << /F 5 0 R >> >> >>", extra=(b"[(b.exe) 6 0 R]",)),
            "/RF entry (related files)",
            id="related-files",
        ),
        pytest.param(
            "file-reference",
            pdf(page=b"/PieceInfo << /Rx << /F (x) /UF (lab-results.exe) >> >>"),
            "/UF entry (a file name)",
            id="file-name",
        ),
        pytest.param(
            "associated-files",
            pdf(catalog=b"/AF [5 0 R]", extra=(b"<< /F (invoice.xml) >>",)),
            "/AF entry (associated files)",
            id="associated-files",
        ),
        pytest.param(
            "portfolio",
            pdf(catalog=b"/Collection << /View /D >>"),
            "/Collection entry (a portfolio)",
            id="portfolio",
        ),
        pytest.param(
            "renditions",
            pdf(catalog=b"/Names << /Renditions << /Names [] >> >>"),
            "/Renditions entry (media renditions)",
            id="renditions-names-tree",
        ),
        pytest.param(
            "slide-show",
            pdf(catalog=b"/Names << /AlternatePresentations << /Names [] >> >>"),
            "/AlternatePresentations entry (a slide show)",
            id="alternate-presentations-names-tree",
        ),
        pytest.param(
            "typed-attachment-stream",
            pdf(page=b"/PieceInfo << /Rx 5 0 R >>", extra=(stream(b"MZ", b"/Type /EmbeddedFile"),)),
            "/EmbeddedFile object",
            id="embedded-file-stream",
        ),
        pytest.param(
            "file-specification",
            pdf(page=b"/PieceInfo << /Rx << /Type /Filespec /F " + UNC + b" >> >>"),
            "/Filespec object",
            id="file-specification-of-a-share",
        ),
    ],
)
def test_scripts_forms_attachments_and_file_references_are_refused_wherever_they_sit(place, data, found):
    assert finding(data) == found


@pytest.mark.parametrize("subtype", ["FileAttachment", "Sound", "Movie", "Screen", "3D", "RichMedia", "Projection"])
def test_annotations_that_play_run_or_attach_something_are_refused(subtype):
    entries = b"/FS << /F (lab-results.exe) /EF << /F 5 0 R >> >>" if subtype == "FileAttachment" else b""
    data = pdf(
        page=b"/Annots [<< /Type /Annot /Subtype /%s /Rect [0 0 9 9] %s >>]" % (subtype.encode(), entries),
        extra=(stream(b"MZ"),),
    )

    assert finding(data) == f"/{subtype} annotation"


def test_an_annotation_of_a_kind_no_reader_knows_is_refused():
    assert finding(pdf(page=b"/Annots [<< /Subtype /Hologram /Rect [0 0 9 9] >>]")) == "/Hologram annotation"


def test_an_annotation_without_a_kind_is_refused():
    assert finding(pdf(page=b"/Annots [5 0 R]", extra=(b"<< /Rect [0 0 9 9] >>",))) == "(no subtype) annotation"


def test_an_annotation_kept_outside_the_pages_list_of_annotations_is_still_checked():
    data = pdf(page=b"/PieceInfo << /Rx << /Type /Annot /Subtype /Sound /Rect [0 0 9 9] >> >>")

    assert finding(data) == "/Sound annotation"


@pytest.mark.parametrize(
    "subtype", ["Text", "Link", "FreeText", "Highlight", "Underline", "StrikeOut", "Stamp", "Ink", "Popup", "Widget"]
)
def test_annotations_that_only_show_something_pass(subtype):
    assert finding(pdf(page=b"/Annots [<< /Type /Annot /Subtype /%s /Rect [0 0 9 9] >>]" % subtype.encode())) is None


# --- The second net ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", TYPES)
def test_an_action_where_no_reader_would_look_for_one_is_refused_as_an_action(kind):
    found = finding(pdf(page=b"/PieceInfo << /Rx << /S /%s >> >>" % kind.encode()))

    assert found == (None if kind in ("GoTo", "URI") else f"action /{kind} elsewhere")


def test_an_action_object_without_a_type_is_refused_wherever_it_sits():
    assert finding(pdf(page=b"/PieceInfo << /Rx << /Type /Action >> >>")) == "action (no type) elsewhere"


def test_a_web_link_or_a_move_kept_anywhere_passes():
    data = pdf(page=b"/PieceInfo << /A << /Type /Action /S /URI /URI (https://x.pk/) >> /B << /S /GoTo >> >>")

    assert finding(data) is None


def test_an_action_packed_in_an_object_stream_is_found():
    first, members = _object_stream_data({6: action("SubmitForm")})
    packed = zlib.compress(members)
    body = b"<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>\nstream\n" % (first, len(packed))
    data = cross_reference_stream_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] %s >>" % link(b"/A 6 0 R"),
            4: stream(b"BT ET"),
            5: body + packed + b"\nendstream",
        },
        packed_in={6: (5, 0)},
    )

    assert finding(data) == "action /SubmitForm under /A"


def cross_reference_stream_pdf(direct: dict[int, bytes], *, packed_in: dict[int, tuple[int, int]]) -> bytes:
    import struct

    out = b"%PDF-1.5\n"
    offsets = {}
    for number in sorted(direct):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + direct[number] + b"\nendobj\n"
    size = max([*direct, *packed_in]) + 2
    xref_number = size - 1
    offsets[xref_number] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, size):
        if number in offsets:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
        else:
            rows.append(struct.pack(">BIH", 2, *packed_in[number]))
    out += b"%d 0 obj\n" % xref_number
    out += stream(b"".join(rows), b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % size) + b"\nendobj\n"
    return out + b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number]


@pytest.mark.parametrize(
    "name", ["JavaScript", "Launch", "EmbeddedFiles", "RichMediaExecute", "SubmitForm", "ImportData", "GoToR", "GoToE"]
)
def test_an_action_name_outside_every_object_the_file_lists_is_refused(name):
    # After the end of the file: pypdf never reads it, a reader repairing the file may.
    hidden = b"\n9 0 obj << /S /%s >> endobj\n" % name.encode()

    assert finding(pdf() + hidden) == f"/{name} outside the file's objects"


def test_deeply_nested_objects_are_refused_as_too_complex():
    with pytest.raises(Refused) as refused:
        pdfcheck.check(pdf(page=b"/PieceInfo " + b"[" * 60 + b"]" * 60))

    assert (refused.value.code, refused.value.detail) == ("too_complex", "nesting")


# --- What passes ---------------------------------------------------------------------------------


def test_a_tagged_document_whose_structure_has_attributes_and_types_passes():
    structure = b"/StructTreeRoot << /Type /StructTreeRoot /K << /S /P /A << /O /Layout /Placement /Block >> >> >>"

    assert finding(pdf(catalog=b"/MarkInfo << /Marked true >> " + structure)) is None


def test_a_document_with_an_outline_of_moves_links_to_web_pages_and_a_plain_form_passes():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    writer.add_outline_item(title="Second page", page_number=1)
    link_annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(9), NumberObject(9)]),
            NameObject("/A"): DictionaryObject(
                {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://pmdc.org.pk/")}
            ),
        }
    )
    writer.add_annotation(0, link_annotation)
    out = BytesIO()
    writer.write(out)

    assert finding(out.getvalue()) is None
    assert pdfcheck.check(out.getvalue()) == 2


def test_a_scan_saved_as_pdf_passes():
    out = BytesIO()
    Image.open(BytesIO(image_bytes("JPEG", size=(1240, 1754)))).save(out, format="PDF", resolution=150)

    assert pdfcheck.check(out.getvalue()) == 1
