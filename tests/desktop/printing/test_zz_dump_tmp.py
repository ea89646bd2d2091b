from tests.desktop.printing.test_hard_cases import *  # noqa
from desktop.printing.samples import pdf_to_pngs
from pathlib import Path
def test_dump(hard):
    for key in ("receipt", "mailing-slip", "org-receipt"):
        for p in (ROLL58, A4):
            pdf_to_pngs(pdf_of(hard[key], p), Path(f"/tmp/pt/hard-{key}-{p.key}"), 150)
