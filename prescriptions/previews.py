"""A picture of a PDF prescription's first page, for the pharmacist's review page.

Browsers will not show a PDF inside the sandbox the file view puts around
every upload, so the review page shows this rendering instead. Only PDFs that
passed the upload checks (no scripts, actions or attachments) get here, and
only pharmacists can ask for it.
"""

from io import BytesIO

import pypdfium2 as pdfium

MAX_WIDTH_PX = 1400


def first_page_png(pdf: bytes) -> bytes:

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width_pt = page.get_width() or 595
        scale = min(2.0, MAX_WIDTH_PX / width_pt)
        image = page.render(scale=scale).to_pil()
        out = BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        document.close()
