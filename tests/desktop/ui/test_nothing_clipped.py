"""Every screen at every text size, 1366×768: no label, hint or button with text that does not fit."""

from __future__ import annotations

from desktop.ui import screenshots
from tests.desktop.ui.clipping import clipped

KNOWN: tuple[str, ...] = ()  # nothing cut off is accepted


def test_no_text_is_cut_off_on_any_screen_at_any_size():
    found: list[str] = []
    seen: list[str] = []

    def check(size, name: str, shown: list) -> None:
        seen.append(f"{size.value}/{name}")
        if shown[0].isWindow() and shown[0].size().toTuple() != screenshots.SIZE:
            found.append(f"{size.label} {name}: the window is {shown[0].size().toTuple()}, not 1366×768")
        for window in shown:
            found.extend(f"{size.label} {name}: {problem}" for problem in clipped(window))

    screenshots.walk(check, county=False, echo=lambda _line: None)
    assert len(seen) == 3 * 22
    unknown = [problem for problem in found if not problem.startswith(KNOWN)]
    assert not unknown, "\n".join(unknown)
