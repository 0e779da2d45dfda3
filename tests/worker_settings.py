"""Settings for a real queue worker started by a test: the test database, the database queue, SMTP.

The worker is another process, so the test suite's immediate backend and
in-memory outbox cannot reach it; DATABASE_URL names the test's database and
TEST_SMTP_PORT the test's mail server.
"""

from shop.settings.test import *  # noqa: F403
from shop.settings.test import env

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = env.int("TEST_SMTP_PORT")
EMAIL_TIMEOUT = 2
