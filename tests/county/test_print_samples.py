"""``python -m county.print_samples`` makes the bureau's sample papers through the console's services."""

from __future__ import annotations

import subprocess

from county import print_samples


def test_the_sample_papers_are_written_with_their_index(tmp_path, capsys):
    assert print_samples.main([str(tmp_path)]) == 0
    index = (tmp_path / "bureau-papers.md").read_text(encoding="utf-8")
    pages = sorted(path.name for path in tmp_path.glob("wall-poster-*.png"))
    assert (tmp_path / "sign-plate-1.png").exists() and len(pages) >= 3
    assert all(f"[{name}]({name})" in index for name in ["sign-plate-1.png", *pages])
    sign, poster = print_samples.papers()
    (tmp_path / "poster.pdf").write_bytes(poster)
    text = subprocess.run(["pdftotext", str(tmp_path / "poster.pdf"), "-"], capture_output=True, text=True).stdout
    assert "已审定" in text and "带身份证到代办点" in text.replace("\n", "")  # FL015's approved flowchart
    assert sign.startswith(b"%PDF")
