"""Where the browser tests put their pictures.

Beside the other test artifacts (test-artifacts/screenshots/<issue>/, ignored
by git), so that a test run leaves the checkout as it found it. The pictures
committed under docs/screenshots/<issue>/ are retaken on purpose:
`SCREENSHOTS_TO_DOCS=1 pytest tests/browser/...`.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pictures_dir(issue: str) -> Path:
    if os.environ.get("SCREENSHOTS_TO_DOCS") == "1":
        folder = ROOT / "docs" / "screenshots" / issue
    else:
        folder = ROOT / "test-artifacts" / "screenshots" / issue
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def walk_shots_dir() -> Path:
    """Where a walk's pictures go: $WALK_SHOTS (e.g. /tmp/shots/walk) if set,
    else beside the other artifacts (test-artifacts/screenshots/walk/)."""
    folder = Path(os.environ.get("WALK_SHOTS") or ROOT / "test-artifacts" / "screenshots" / "walk")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
