"""Settings shared by every environment.

Values that differ between machines come from environment variables (see
``.env.example``); the defaults here are safe for a developer's laptop. The
environment-specific modules (``local``, ``test``, ``production``) only change
what they must.
"""

import copy
from datetime import timedelta
from pathlib import Path

import environ
from csp import constants as csp_constants
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403  (Oscar's settings are the baseline)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --- Core -------------------------------------------------------------------

SECRET_KEY = env("SECRET_KEY", default=None)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'shop.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo serves a few users at once; WAL lets readers carry on while an
    # order is being written instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
SITE_ID = 1
# The host name used in links inside emails (the first migration writes it to the Site).
SITE_DOMAIN = env("SITE_DOMAIN", default="127.0.0.1:8000")

# --- Applications -----------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.sitemaps",
    # Trigram lookups for the search's spelling corrections (they do nothing on SQLite).
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Django's own form templates, for the project-wide form renderer below.
    "django.forms",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "checkout.apps.CheckoutConfig",
    "address.apps.AddressConfig",
    "shipping.apps.ShippingConfig",
    "catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "partner.apps.PartnerConfig",
    "basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "order.apps.OrderConfig",
    "customer.apps.CustomerConfig",
    "search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "dashboard.apps.DashboardConfig",
    "prescriptions.dashboard.apps.PharmacyDashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "dashboard.orders.apps.OrdersDashboardConfig",
    "dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "treebeard",
    "django_tables2",
    "sorl.thumbnail",
    "django_tasks",
    "django_tasks_db",
    # The shop's own apps
    "shop.apps.ShopConfig",
    "prescriptions.apps.PrescriptionsConfig",
    "demo.apps.DemoConfig",
]

MIDDLEWARE = [
    "shop.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "shop.twofactor.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "csp.middleware.CSPMiddleware",
    "shop.ratelimit.RateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
                "prescriptions.context_processors.pharmacy",
                "shop.context_processors.dashboard_link",
                "shop.context_processors.csp_nonce",
            ],
        },
    },
]

# Widgets render through TEMPLATES, so the project's overrides of widget
# templates (e.g. the dashboard's image input, without inline handlers) apply.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "customer:login"
LOGIN_REDIRECT_URL = "customer:summary"

# --- Cache and sessions -----------------------------------------------------

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://shop")}
# A rate-limit count the cache cannot keep is counted in the process instead
# (shop/ratelimit.py says why), not refused.
RATELIMIT_FAIL_OPEN = True

# --- Task queue -------------------------------------------------------------

# Emails and slow work run in workers (manage.py run_worker), from rows in this
# database: see shop/tasks.py for why, and for retries and periodic jobs.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Jobs every worker's scheduler enqueues, once per period between them all.
SHOP_PERIODIC_TASKS = [
    {"task": "shop.tasks.recover_stalled_tasks", "every": timedelta(minutes=5)},
    {"task": "shop.tasks.prune_task_results", "every": timedelta(days=1), "at": timedelta(hours=3)},
    {"task": "shop.tasks.clear_expired_sessions", "every": timedelta(days=1), "at": timedelta(hours=3, minutes=30)},
    {"task": "prescriptions.tasks.erase_expired_prescriptions", "every": timedelta(days=1), "at": timedelta(hours=2)},
    {"task": "prescriptions.tasks.send_prescription_reminders", "every": timedelta(days=1), "at": timedelta(hours=10)},
    {"task": "prescriptions.tasks.sweep_orphan_files", "every": timedelta(hours=1), "at": timedelta(minutes=20)},
]
# An attempt still "running" after this long lost its worker (no task here
# runs for more than a minute: emails time out after EMAIL_TIMEOUT).
SHOP_TASK_STALLED_AFTER = 15 * 60
# Tasks that gave up stay listed for staff this long.
SHOP_TASK_FAILED_KEPT_DAYS = 90

# --- Security ---------------------------------------------------------------

# How many proxies of ours (load balancer, CDN) sit in front of the app and
# append to X-Forwarded-For. 0: trust only the TCP peer (REMOTE_ADDR).
SHOP_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Enforced Content-Security-Policy on every page. Scripts run only from the
# shop's own files, plus the one inline start-up script per page, which
# carries the request's nonce (templates/oscar/base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF, csp_constants.NONCE],
        # Oscar's templates and its dashboard editor set style attributes.
        "style-src": [csp_constants.SELF, csp_constants.UNSAFE_INLINE],
        "img-src": [csp_constants.SELF, "data:"],
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Locale: Pakistan -------------------------------------------------------

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
FORMAT_MODULE_PATH = ["shop.formats"]
TIME_ZONE = "Asia/Karachi"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "shop" / "static"]
# Files browsers ask for at the site's root (/favicon.ico, /apple-touch-icon.png),
# served by whitenoise. Their names carry no hash, yet browsers fetch them on
# every visit; a week's cache life is a fair trade for an icon that rarely changes.
WHITENOISE_ROOT = BASE_DIR / "shop" / "root"
ROOT_FILE_MAX_AGE = 60 * 60 * 24 * 7


def _root_file_headers(headers, path, url):
    if url.count("/") == 1:
        headers["Cache-Control"] = f"public, max-age={ROOT_FILE_MAX_AGE}"


WHITENOISE_ADD_HEADERS_FUNCTION = _root_file_headers
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Let Django serve MEDIA_ROOT itself (local demo and tests only).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=False)

# Prescriptions are health data: they live in their own storage, outside
# MEDIA_ROOT and without a public URL, and are only ever streamed through a
# permission-checked view.
PRESCRIPTION_ROOT = env.path("PRESCRIPTION_ROOT", default=str(VAR_DIR / "private" / "prescriptions"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "prescriptions": {
        "BACKEND": "prescriptions.storage.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": str(PRESCRIPTION_ROOT),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
}

# --- Email ------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Jild Pharmacy <orders@jild.example>")
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Emails are sent by workers, never inside a page's request; a mail server that
# accepts the connection and then says nothing costs a worker this many seconds.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Oscar ------------------------------------------------------------------

OSCAR_SHOP_NAME = "Jild Pharmacy"
OSCAR_HOMEPAGE = reverse_lazy("shop-home")
OSCAR_SHOP_TAGLINE = _("Dermatology pharmacy, delivered across Pakistan")
OSCAR_DEFAULT_CURRENCY = "PKR"
# One format for every price on the site: "Rs 1,250" (PKR has no coins in use).
OSCAR_CURRENCY_FORMAT = {
    "PKR": {"format": "Rs\u00a0#,##0", "currency_digits": False},
}
OSCAR_ALLOW_ANON_CHECKOUT = False
OSCAR_PRODUCTS_PER_PAGE = 24
OSCAR_HIDDEN_FEATURES = ["wishlists", "reviews"]
# The courier phones before delivering and collects cash at the door, so a
# phone number is required; line4 is the city.
OSCAR_REQUIRED_ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "line1",
    "line4",
    "postcode",
    "country",
    "phone_number",
)
PHONENUMBER_DEFAULT_REGION = "PK"

# Oscar's dashboard menu, with the shop's drug information under Catalogue.
OSCAR_DASHBOARD_NAVIGATION = copy.deepcopy(OSCAR_DASHBOARD_NAVIGATION)  # noqa: F405
# The words customers search with, under Catalogue: staff keep them, not the pharmacist.
next(entry for entry in OSCAR_DASHBOARD_NAVIGATION if entry.get("icon") == "fas fa-sitemap")["children"].append(
    {"label": _("Search synonyms"), "url_name": "dashboard:catalogue-synonym-list"}
)
# The pharmacist's section; the queue's entry shows how many prescriptions wait.
# What needs a prescription and the drug information are the pharmacist's too
# (prescriptions.services.switches), so they are here, not under Catalogue.
OSCAR_DASHBOARD_NAVIGATION.insert(
    1,
    {
        "label": _("Pharmacy"),
        "icon": "fas fa-prescription",
        "children": [
            {"label": _("Prescription queue"), "url_name": "dashboard:pharmacy-queue"},
            {"label": _("Orders to dispense"), "url_name": "dashboard:pharmacy-supply-queue"},
            {"label": _("Supply register"), "url_name": "dashboard:pharmacy-supply-export"},
            {"label": _("Returned parcels"), "url_name": "dashboard:pharmacy-return-queue"},
            {"label": _("Dispensing rules"), "url_name": "dashboard:pharmacy-policy-list"},
            {"label": _("Prescription-only products"), "url_name": "dashboard:pharmacy-medicine-list"},
            {"label": _("Drug information"), "url_name": "dashboard:catalogue-drug-list"},
        ],
    },
)

# /readyz reports the task queue as failing (without taking the server out of
# the pool) once the oldest ready task has waited this many seconds.
SHOP_READY_MAX_QUEUE_LAG = env.int("SHOP_READY_MAX_QUEUE_LAG", default=300)

# Two-factor sign-in (shop/twofactor) for pharmacists and superusers: required
# of all of them in production; here only of those who set it up, so the demo
# accounts sign in with their password as the README shows.
SHOP_STAFF_TWO_FACTOR = env.bool("SHOP_STAFF_TWO_FACTOR", default=False)
OTP_TOTP_ISSUER = OSCAR_SHOP_NAME

OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_INITIAL_LINE_STATUS = "Pending"
# The life of an order after checkout (order/services.py enforces it, through
# order.processing.EventHandler). A prescription line must be Dispensed (the
# pharmacist's final check) before its order is Packed; an order without one
# may go straight to Packed. Customers cancel while Pending, staff until dispatch.
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Dispensed", "Packed", "Cancelled"),
    "Dispensed": ("Packed", "Cancelled"),
    "Packed": ("Dispatched", "Cancelled"),
    "Dispatched": ("Delivered", "Returned"),
    "Delivered": (),
    "Returned": (),
    "Cancelled": (),
}
OSCAR_LINE_STATUS_PIPELINE = OSCAR_ORDER_STATUS_PIPELINE
# Lines follow their order (Oscar's Order.set_status applies the cascade).
OSCAR_ORDER_STATUS_CASCADE = {status: status for status in OSCAR_ORDER_STATUS_PIPELINE if status != "Pending"}

# Couriers staff choose from when dispatching: code -> name and tracking page
# ({number} is the tracking number). Recorded only: no courier API is called.
SHOP_COURIERS = {
    "tcs": {"name": "TCS", "tracking_url": "https://www.tcsexpress.com/track/{number}"},
    "leopards": {"name": "Leopards Courier", "tracking_url": "https://www.leopardscourier.com/tracking?cn={number}"},
    "mp": {"name": "M&P", "tracking_url": "https://www.mulphilog.com/tracking/{number}"},
    "trax": {"name": "Trax", "tracking_url": "https://sonic.pk/tracking?tracking_number={number}"},
    "postex": {"name": "PostEx", "tracking_url": "https://postex.pk/tracking?cn={number}"},
}

# Shipping (see shipping/methods.py): fees in PKR.
SHOP_SHIPPING = {
    "standard_charge": "250",
    "express_charge": "600",
    "free_standard_over": "5000",
}

# Who runs the pharmacy, shown in every page's footer and on the privacy page.
# Demo values: a real deployment puts its own licence and registration here.
SHOP_PHARMACY = {
    "legal_name": "Jild Pharmacy (Private) Limited",
    "licence_number": "DSL-ICT-2026-0000 (demo)",
    "licence_authority": "Drug Sale Licence, Islamabad Capital Territory, under the Drugs Act 1976",
    "pharmacist_in_charge": "Ayesha Siddiqui, PharmD",
    "pharmacist_registration": "Pharmacy Council of Pakistan, Category A, No. 00000-A (demo)",
    "address": "Office 0 (demo), Jinnah Avenue, Blue Area, Islamabad 44000, Pakistan",
    "phone": "+92 51 2345678",
    "email": "pharmacist@jild.example",
    "hours": "Monday to Saturday, 9:00 to 21:00",
}

# Prescription uploads: one file of at most this size per request (the upload
# view's own handler, prescriptions.uploadhandlers).
PRESCRIPTION_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Every other page: Django writes file parts to disk before any view can refuse
# them, on any page that reads the form, so every request is held to a total and
# a number of files; what goes past is counted, not kept.
FILE_UPLOAD_HANDLERS = ["prescriptions.uploadhandlers.SiteUploadHandler"]
SHOP_UPLOAD_MAX_REQUEST_BYTES = 25 * 1024 * 1024
SHOP_UPLOAD_MAX_FILES = 20
# Django's own count of file parts (a 400 past it) stays at its default of 100:
# it counts empty file inputs too, and Oscar's product form has one per picture.
DATA_UPLOAD_MAX_NUMBER_FILES = 100
# Text fields only (file parts are held to the limits above): Django's default,
# as no form here takes megabytes of text.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640

# Names this build, so cached HTML made by an older one is never served
# (catalogue/fragments.py). Deploys set it (e.g. to the commit); when unset, a
# fingerprint of the template files stands in.
SHOP_RELEASE = env("RELEASE", default="")

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Oscar logs every stock alert check at INFO, once per product saved.
    "loggers": {"oscar.alerts": {"level": "WARNING"}},
}

# Oscar's search modules import haystack when they load, and haystack refuses to
# import without this setting. The shop's search runs on the database's own
# full-text index (search/index.py); haystack is not an installed app and this
# engine is never queried.
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
