"""The name of this test run, shared by every test worker (pytest-xdist) it starts."""

import datetime
import os


def run_name() -> str:
    # Set by whichever process asks first: the one that starts the workers, which inherit it.
    return os.environ.setdefault("SHOP_TEST_RUN", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
