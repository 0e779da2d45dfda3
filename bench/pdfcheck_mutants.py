"""Mutation run over the PDF checks: is each rule and each entry of their tables load-bearing?

For every mutant (a rule dropped, an entry removed from a list of what is
refused, one more entry added to a list of what is let through, a limit
lifted) this edits ``prescriptions/pdfcheck.py``, runs
``tests/prescriptions/test_pdfcheck.py`` and restores the file. A mutant that
no test notices "survives": a check nothing proves. Run from the project root:

    .venv/bin/python bench/pdfcheck_mutants.py            # every mutant, a few minutes
    .venv/bin/python bench/pdfcheck_mutants.py --only AA  # those whose name holds "AA"

It prints one line per mutant and ends with the survivors; the exit status is
the number of survivors.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "prescriptions" / "pdfcheck.py"
TESTS = "tests/prescriptions/test_pdfcheck.py"

ACTIONS = [
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
RULES = ["_on_click", "_on_opening", "_on_events", "_annotation", "_active_key", "_file_object", "_action_elsewhere"]
ACTIVE_KEYS = ["JS", "JavaScript", "XFA", "EmbeddedFiles", "EF", "RF", "UF", "AF", "Collection", "Renditions"]
ACTIVE_KEYS += ["AlternatePresentations"]
REFUSED_ANNOTATIONS = ["FileAttachment", "Sound", "Movie", "Screen", "3D", "RichMedia", "Projection", "Hologram"]
RAW = ["JavaScript", "Launch", "EmbeddedFiles?", "RichMedia\\w*", "SubmitForm", "ImportData", "GoToR", "GoToE"]


def mutants(source: str):
    """(name, mutated source) for every mutant."""

    def replaced(old: str, new: str, count: int = 1) -> str:
        assert source.count(old) >= 1, old
        return source.replace(old, new, count)

    for rule in RULES:
        yield (
            f"rule {rule} dropped",
            replaced(f"RULES = [{', '.join(RULES)}]", f"RULES = [{', '.join(r for r in RULES if r != rule)}]"),
        )
    yield "/A not read as a click", replaced('for key in ("/A", "/PA"):', 'for key in ("/PA",):')
    yield "/PA not read as a click", replaced('for key in ("/A", "/PA"):', 'for key in ("/A",):')
    yield "/Next not followed", replaced('        if "/Next" in value:', "        if False:")
    yield "reference loops not seen", replaced("            if value.idnum in seen:", "            if False:")
    yield "no limit on the length of a chain", replaced("limit: int = 64", "limit: int = 10**9")
    yield "/AA dropped from the checked names", replaced('dictionary.get("/AA")', 'dictionary.get("/AA-dropped")')
    yield (
        "/OpenAction dropped from the checked names",
        replaced('dictionary.get("/OpenAction")', 'dictionary.get("/OpenAction-dropped")'),
    )
    yield (
        "an empty /AA refused",
        replaced("isinstance(events, DictionaryObject) and events", "isinstance(events, DictionaryObject)"),
    )
    for kind in ACTIONS:
        if kind not in ("GoTo", "URI"):
            yield (
                f"/{kind} let through on a click",
                replaced('ON_CLICK = {"/GoTo", "/URI"}', f'ON_CLICK = {{"/GoTo", "/URI", "/{kind}"}}'),
            )
            yield f"/{kind} not an action elsewhere", re.sub(rf'\n    "/{kind}",', "", source, count=1)
        if kind != "GoTo":
            yield (
                f"/{kind} let through on opening",
                replaced('ON_OPENING = {"/GoTo"}', f'ON_OPENING = {{"/GoTo", "/{kind}"}}'),
            )
    for scheme in ("file", "smb", "javascript", "data", ""):
        yield (
            f"links to {scheme or 'relative'} addresses",
            replaced(
                'WEB_OR_MAIL = {"http", "https", "mailto"}', f'WEB_OR_MAIL = {{"http", "https", "mailto", "{scheme}"}}'
            ),
        )
    yield "backslashes in links", replaced(' or "\\\\" in uri', "")
    yield "spaces around links", replaced(" or uri != uri.strip()", "")
    for key in ACTIVE_KEYS:
        yield f"/{key} key dropped", re.sub(rf'\n    "/{key}": "[^"]*",', "", source, count=1)
    for kind in ("EmbeddedFile", "Filespec"):
        yield (
            f"/{kind} objects let through",
            replaced(
                'FILE_TYPES = {"/EmbeddedFile", "/Filespec"}',
                "FILE_TYPES = " + repr({"/EmbeddedFile", "/Filespec"} - {f"/{kind}"}).replace("'", '"'),
            ),
        )
    for subtype in REFUSED_ANNOTATIONS:
        yield (
            f"/{subtype} annotations let through",
            replaced("PLAIN_ANNOTATIONS = {", f'PLAIN_ANNOTATIONS = {{\n    "/{subtype}",'),
        )
    yield (
        "annotations without a subtype let through",
        replaced(
            "if subtype not in PLAIN_ANNOTATIONS:", "if subtype is not None and subtype not in PLAIN_ANNOTATIONS:"
        ),
    )
    yield "annotations outside /Annots not checked", replaced('if dictionary.get("/Type") == "/Annot":', "if False:")
    yield (
        "action objects without a type let through",
        replaced('if dictionary.get("/Type") == "/Action" and kind not in ON_CLICK:', "if False:"),
    )
    for name in RAW:
        yield f"raw {name} not searched", replaced(f"{name}|" if name != "GoToE" else "|GoToE", "")
    yield "no limit on nesting", replaced("MAX_NESTING = 50", "MAX_NESTING = 10**9")


def survives(source: str) -> bool:
    original = TARGET.read_text()
    try:
        TARGET.write_text(source)
        run = subprocess.run(
            [sys.executable, "-m", "pytest", TESTS, "-x", "-q", "-n0", "-p", "no:randomly", "-p", "no:cacheprovider"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        TARGET.write_text(original)
    return run.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="run only the mutants whose name holds this")
    options = parser.parse_args()
    source = TARGET.read_text()
    assert survives(source), "the tests must pass on the unchanged checks first"
    survivors, count = [], 0
    for name, mutated in mutants(source):
        if options.only not in name:
            continue
        assert mutated != source, name
        count += 1
        alive = survives(mutated)
        print(f"{'SURVIVES' if alive else 'caught  '}  {name}", flush=True)
        if alive:
            survivors.append(name)
    print(f"\n{count} mutants, {count - len(survivors)} caught, {len(survivors)} survive: {survivors}")
    return len(survivors)


if __name__ == "__main__":
    sys.exit(main())
