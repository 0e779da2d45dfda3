"""A developer's machine and the demo shop: SQLite, emails written to var/emails/, debug pages."""

from pathlib import Path

import environ

# A .env file is read here and nowhere else: on a developer's machine and in
# the demo. Tests and production take their settings from the environment
# only, so a forgotten .env can never point them at the wrong database.
# Read before the shared settings, which take their values from the environment.
environ.Env.read_env(Path(__file__).resolve().parent.parent.parent / ".env", overwrite=False)

from .base import *  # noqa: E402, F403
from .base import LOGGING, VAR_DIR, env  # noqa: E402

DEBUG = env.bool("DEBUG", default=True)
# Only ever used on a laptop; production refuses to start without its own key.
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-a-secret")

# Static files straight from the apps' folders; no collectstatic needed locally.
WHITENOISE_USE_FINDERS = True

SERVE_MEDIA = True

# Each email a file of its own in var/emails/, to open and read, instead of
# hundreds of lines in the console among the server's.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "emails"))

# Django's own "django" logger has a console handler when DEBUG is on and also
# passes its records up to the root's: every line would be printed twice.
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "django": {"handlers": [], "level": "INFO"}}}
