"""Screenshot the top of a verify report (report.html) in headless Chromium.

Build a report, then take the picture, e.g. the one in docs/report_top.png::

    aesgd verify --claims loss.coordinates,hessian.trace_at_min --report /tmp/rep_shot \\
        --no-progress
    python tools/report_screenshot.py --report /tmp/rep_shot --out docs/report_top.png

Chromium (Debian's ``chromium``) runs with a throw-away profile and every host name
resolving to nothing, so the picture shows what the self-contained page shows offline.
tests/proofs_check/test_report_browser.py checks the same page's maths, images and console.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def screenshot(report: Path, out: Path, *, width: int = 1200, height: int = 900,
               chromium: str = "chromium") -> Path:
    """Write a ``width`` x ``height`` PNG of the top of ``report``/report.html to ``out``."""
    page = (report / "report.html").resolve()
    if not page.is_file():
        raise FileNotFoundError(f"{page} does not exist (aesgd verify --report DIR writes it)")
    binary = shutil.which(chromium)
    if binary is None:
        raise FileNotFoundError(f"{chromium} is not installed (apt-get install chromium)")
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND",
             f"--window-size={width},{height}", "--virtual-time-budget=5000",
             f"--screenshot={out}", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0 or not out.is_file():
        raise RuntimeError(f"chromium exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, required=True,
                        help="directory holding report.html (aesgd verify --report DIR)")
    parser.add_argument("--out", type=Path, required=True, help="PNG file to write")
    parser.add_argument("--width", type=int, default=1200, help="window width (px)")
    parser.add_argument("--height", type=int, default=900, help="window height (px)")
    args = parser.parse_args(argv)
    try:
        path = screenshot(args.report, args.out, width=args.width, height=args.height)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
