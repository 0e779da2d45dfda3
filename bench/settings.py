"""The benchmark's settings: the local profile as it is, plus one bare view to compare against.

Nothing else differs from ``shop.settings.local``; run.py sets DEBUG=False, a
SECRET_KEY and a benchmark-only database, media and prescription folder through
the environment, as any deployment would.
"""

from shop.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
