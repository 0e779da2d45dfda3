import os

from django.core.wsgi import get_wsgi_application

# A server started without an explicit settings module runs the production
# profile, which refuses to start without its secrets.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.production")

application = get_wsgi_application()
