"""`report DIR --png OUT`: one non-blank PNG per figure at slide size, drawn with the system's
Chromium, with kaleido's browser download never called."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from sim.cli import main
from sim.report import images
from sim.report import page as report
from sim.report.style import WIDTH


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def inked_share(path: Path) -> float:
    """Share of decompressed pixel bytes that are not white (0 for a blank image)."""
    data, raw = path.read_bytes(), b""
    at = 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            raw += data[at + 8:at + 8 + length]
        at += 12 + length
    pixels = zlib.decompress(raw)
    return 1 - pixels.count(255) / len(pixels)


def test_png_export(browser, small_results: Path, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    import choreographer.cli
    import kaleido

    def no_download(*args, **kwargs):
        raise AssertionError("the PNG export tried to download a browser")

    for module in (choreographer.cli, kaleido):
        monkeypatch.setattr(module, "get_chrome", no_download)
        monkeypatch.setattr(module, "get_chrome_sync", no_download)
    out = tmp_path / "png"
    assert main(["report", str(small_results), "--png", str(out)]) == 0
    figures = [s for s in report.sections(small_results) if s.figure is not None]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s.key}.png" for s in figures)
    for section in figures:
        path = out / f"{section.key}.png"
        expected = (round(WIDTH * images.PNG_SCALE),
                    round(images.slide(section).layout.height * images.PNG_SCALE))
        assert png_size(path) == expected, path.name
        assert inked_share(path) > 0.01, f"{path.name} is blank"


def test_png_export_without_a_browser_says_what_to_install(
        small_results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    assert main(["report", str(small_results), "--png", str(tmp_path / "png")]) == 2
    assert "--png: BROWSER_PATH=" in capsys.readouterr().err


def test_a_figure_the_browser_dropped_is_rendered_again(small_results: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy browser can drop a large figure without an error: the export renders the missing
    ones once more, and says which if they are still missing."""
    import kaleido

    calls: list[int] = []

    def dropping(specs, kopts):  # writes every file but the first, on the first call only
        calls.append(len(specs))
        for spec in specs[1:] if len(calls) == 1 else specs:
            spec["path"].write_bytes(b"png")

    monkeypatch.setattr(images, "find_browser", lambda: tmp_path)
    monkeypatch.setattr(images, "launcher", lambda browser, folder: tmp_path)
    monkeypatch.setattr(kaleido, "write_fig_from_object_sync", dropping)
    paths = images.export_png(small_results, tmp_path / "png")
    assert calls[1] == 1 and all(p.is_file() for p in paths)
    monkeypatch.setattr(kaleido, "write_fig_from_object_sync", lambda specs, kopts: None)
    with pytest.raises(images.ExportError, match="the browser wrote no"):
        images.export_png(small_results, tmp_path / "none")
