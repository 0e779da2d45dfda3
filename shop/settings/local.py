"""A developer's machine and the demo shop: SQLite, console email, debug pages."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Only ever used on a laptop; production refuses to start without its own key.
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-a-secret")

# Static files straight from the apps' folders; no collectstatic needed locally.
WHITENOISE_USE_FINDERS = True

SERVE_MEDIA = True
