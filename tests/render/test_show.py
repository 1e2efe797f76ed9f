"""`show` in text mode with one or two documents (the HTML page is tested in a browser in test_html.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DOC_A = "000_a604801cb8896bbe"
DOC_B = "002_1326406fc45ba7b4"


def test_show_text_of_two_documents(built: Path) -> None:
    """Without --html, two doc_ids print one after the other, each under its id."""
    out = subprocess.run(
        [sys.executable, "-m", "ceasefire_news", "show", DOC_A, DOC_B, "--data", str(built)],
        capture_output=True, text=True, check=True,
    ).stdout
    first, second = out.split("\n\n== ")
    assert first.startswith(f"== {DOC_A}\n  0 title ") and second.startswith(f"{DOC_B}\n  0 body ")
    assert len(first.splitlines()) == 1 + 26 and len(second.splitlines()) == 1 + 27
