"""How long drawing a PDF prescription's pages takes: before (first page, PNG optimize=True) and now (every page, JPEG).

Builds scan-like PDFs (A4 pages at 300 dpi: grey paper with noise, black
text, a blue stamp; JPEG inside, as phones and scanners write them), then
measures, in this process and on the CPU clock (repeatable on a busy machine):

- the first page drawn and encoded as the review page used to get it (PNG, optimize=True);
- the same page as unoptimised PNG and as JPEG (quality 85, what ``previews`` writes);
- every page as JPEG;

and, end to end, ``prescriptions.previews.draw_pages`` through its child
process: wall time, and the child's CPU time. Run from the project root:

    .venv/bin/python bench/pdf_pages.py              # 1 and 20 pages, 5 runs each, medians
    .venv/bin/python bench/pdf_pages.py --pages 3 --runs 9
"""

import argparse
import resource
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prescriptions import previews


def scan_page(number: int) -> Image.Image:
    width, height = 2480, 3508
    page = Image.effect_noise((width, height), 12).point(lambda v: 200 + v // 5).convert("RGB")
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=48)
    for line in range(45):
        text = f"Rx {number}-{line}: Isotretinoin 20 mg, one capsule daily with food. Dr. Farah Khan PMDC 12345-P"
        draw.text((200, 200 + 70 * line), text, fill=(20, 20, 20), font=font)
    draw.ellipse((1600, 2800, 2200, 3300), outline=(30, 60, 200), width=12)
    return page.filter(ImageFilter.GaussianBlur(0.6))


def scan_pdf(pages: int) -> bytes:
    images = [scan_page(number) for number in range(pages)]
    out = BytesIO()
    # Quality 20 keeps 20 pages under the 10 MB upload limit, as a phone's "scan to PDF" does.
    images[0].save(out, format="PDF", resolution=300, save_all=True, append_images=images[1:], quality=20)
    return out.getvalue()


def drawn(document, index: int) -> Image.Image:
    page = document[index]
    width, height = page.get_size()
    scale = min(2.0, previews.MAX_WIDTH_PX / width, previews.MAX_HEIGHT_PX / height)
    return page.render(scale=scale).to_pil().convert("RGB")


def cpu(work) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def encoded(image: Image.Image, **options) -> int:
    out = BytesIO()
    image.save(out, **options)
    return out.tell()


def measure(pdf: bytes, runs: int) -> dict[str, float]:
    document = pdfium.PdfDocument(pdf)
    pages = len(document)
    cases = {
        "first page, PNG optimize=True (before)": lambda: encoded(drawn(document, 0), format="PNG", optimize=True),
        "first page, PNG unoptimised": lambda: encoded(drawn(document, 0), format="PNG", compress_level=1),
        "first page, JPEG 85": lambda: encoded(drawn(document, 0), format="JPEG", quality=previews.JPEG_QUALITY),
        f"all {pages} pages, JPEG 85 (now)": lambda: [
            encoded(drawn(document, i), format="JPEG", quality=previews.JPEG_QUALITY) for i in range(pages)
        ],
    }
    results = {name: statistics.median(cpu(work) for _ in range(runs)) for name, work in cases.items()}
    walls, children = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        previews.draw_pages(pdf)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        children.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    results[f"draw_pages, all {pages} pages, child process CPU"] = statistics.median(children)
    results[f"draw_pages, all {pages} pages, wall"] = statistics.median(walls)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    for pages in options.pages:
        pdf = scan_pdf(pages)
        results = measure(pdf, options.runs)
        before = results["first page, PNG optimize=True (before)"]
        print(f"\n{pages} page(s), {len(pdf) / 1e6:.1f} MB, median of {options.runs} runs")
        print("| case | seconds | × the old first page |\n|---|---|---|")
        for name, seconds in results.items():
            print(f"| {name} | {seconds:.3f} | {seconds / before:.2f} |")


if __name__ == "__main__":
    main()
