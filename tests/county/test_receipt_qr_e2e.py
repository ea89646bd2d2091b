"""The receipt's QR code, read back from the PDF the counter prints, opens that case's page on the 专区."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import pytest
import requests
import zxingcpp
from PIL import Image

from county.api.app import create_app
from county.config import Settings
from county.services.pii import new_key
from desktop.printing.papers import PAPERS
from desktop.printing.receipt import receipt_pdf
from desktop.services.print_data import print_settings, receipt_data
from sync.ledger.forms import draft_materials_sent
from tests.county.conftest import RunningCounty, start_server
from tests.county.test_sync_e2e import activated, engine_for
from tests.factories import make_case_draft

PRINTED_BASE = "https://zwfw.fuliang.example/ssb/q"  # what the county tells counters to print


@pytest.fixture
def county(county_engine):
    settings = Settings(
        database_url="(fixture)", pii_key=new_key(), qr_key=secrets.token_hex(32), query_url_base=PRINTED_BASE
    )
    server, thread, port = start_server(create_app(settings, county_engine))
    try:
        yield RunningCounty(f"http://127.0.0.1:{port}", county_engine, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def qr_on(pdf: bytes, folder: Path, paper: str) -> list[str]:
    """Every QR code on the printed page, read from the page rendered at a printer's resolution."""
    (folder / f"{paper}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-singlefile", str(folder / f"{paper}.pdf"), str(folder / paper)],
        check=True,
    )
    return [found.text for found in zxingcpp.read_barcodes(Image.open(folder / f"{paper}.png"))]


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize("paper", ["a4", "roll58"])
def test_the_printed_qr_code_opens_the_case_and_shows_nobodys_data(county, tmp_path, catalogue, paper):
    store, _setup = activated(county, tmp_path)
    try:
        item = catalogue.by_code("FL015")
        materials = {m.code: "received" for m in item.guide.materials}
        (case,) = store.append(
            make_case_draft(catalogue, item_code="FL015", amount=None, materials=materials, name="程桂花")
        )
        store.append(draft_materials_sent(case.body["case_id"]))
        assert engine_for(store).run().ok
        data = receipt_data(store, catalogue, case.body["case_id"], settings=print_settings(store))
        pdf = receipt_pdf(data, PAPERS[paper])
    finally:
        store.close()

    [url] = qr_on(pdf, tmp_path, paper)
    assert url.startswith(f"{PRINTED_BASE}?r={case.body['receipt_no'].replace('-', '')}&c=")
    page = requests.get(county.base_url + "/ssb/q?" + url.split("?", 1)[1], timeout=10)
    assert page.status_code == 200
    assert case.body["receipt_no"] in page.text and "材料已送交" in page.text
    assert "程桂花" not in page.text and "程**" not in page.text

    wrong = url[:-1] + ("A" if url[-1] != "A" else "B")
    refused = requests.get(county.base_url + "/ssb/q?" + wrong.split("?", 1)[1], timeout=10)
    assert refused.status_code in (200, 404) and "材料已送交" not in refused.text, "a wrong check code shows nothing"
