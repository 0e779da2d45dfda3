"""The name of this test run, shared by every test worker (pytest-xdist) it starts."""

import datetime
import os
from pathlib import Path


def run_name() -> str:
    # Set by whichever process asks first: the one that starts the workers, which inherit it.
    return os.environ.setdefault("SHOP_TEST_RUN", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))


def screenshots_dir() -> Path:
    """Where this run's browser screenshots go: one folder per run, shared by its workers."""
    return Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots" / run_name()
