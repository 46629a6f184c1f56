"""Clientela settings: one module, driven by the environment (django-environ).

With nothing set, Clientela runs anywhere: an SQLite file, tasks run in-process and
e-mails are printed to the console. Production sets the variables listed in the README.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="django-insecure-local-only-change-me-in-production-0123456789abcdef",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# JSON endpoints answer a failed CSRF check in JSON (core.json_api).
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# Modules that plug into the customer hub. An operator may switch one off by listing it
# in CLIENTELA_DISABLED_MODULES; the rest of the product keeps working without it.
PLUGIN_MODULES = [
    "balance",
    "expirations",
    "automation",
    "reports",
    "referrals",
    "api",
    "webhooks",
]
DISABLED_MODULES = env.list("CLIENTELA_DISABLED_MODULES", default=[])
# A module that needs another is off when that one is: commissions are paid into
# the balance.
MODULE_NEEDS = {"referrals": ["balance"]}
DISABLED_MODULES += [
    module
    for module, needs in MODULE_NEEDS.items()
    if any(need in DISABLED_MODULES for need in needs)
]

INSTALLED_APPS = [
    "core",
    "customers",
    "selling",
    *[module for module in PLUGIN_MODULES if module not in DISABLED_MODULES],
    "core.admin_site.ClientelaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "csp",
]
if "api" in INSTALLED_APPS:
    # django-ninja's templates and static files (the API's docs page, served from
    # our static files, not a CDN). Not last: the staff groups are synced after the
    # post_migrate of the last app, and ninja, having no models, sends none.
    INSTALLED_APPS.insert(INSTALLED_APPS.index("api") + 1, "ninja")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.PrivateCacheMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After CommonMiddleware, which refuses a host outside ALLOWED_HOSTS.
    "core.site.RequestAddressMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "customers.middleware.PreferredLanguageMiddleware",
    "customers.middleware.FirstVisitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]
if "api" in INSTALLED_APPS:
    # Outermost but security's: every error under /api/ (an unknown URL, a method
    # not taken, a crash) answers the API's JSON, never an HTML page.
    MIDDLEWARE.insert(1, "api.middleware.ApiErrorMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.clientela",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # make run has the web server, a worker and beat write the one file: writers
    # take the lock when their transaction begins (no "database is locked" half-way
    # through one) and wait for it, and readers do not block the writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Reports on a read replica (issue 13): with REPORTS_DATABASE_URL, the report
# engine's source queries (the page, its exports, the pinned reports, manage.py
# report, scheduled e-mails) run on the "reports" alias, so a heavy report never
# slows the primary. Saved reports and every write stay on "default". Without it
# there is no such alias and reports read the primary.
REPORTS_DATABASE = ""
if env.str("REPORTS_DATABASE_URL", default=""):
    DATABASES["reports"] = env.db("REPORTS_DATABASE_URL")
    DATABASES["reports"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    REPORTS_DATABASE = "reports"
DATABASE_ROUTERS = ["reports.database.ReportsRouter"]

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": (
            "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
        )
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account:login"
LOGIN_REDIRECT_URL = "account:home"
LOGOUT_REDIRECT_URL = "account:login"

# Login attempts are rate-limited per e-mail and address pair: a stranger guessing
# passwords cannot lock the real customer out, and a lockout ends by itself.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# One counter per account, whatever the case of the e-mail typed (the login's rule).
AXES_USERNAME_CALLABLE = "core.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
AXES_VERBOSE = False
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# The client's address, for the login lockout and the password-reset limit. Off (0,
# the default): the address of the connection, and X-Forwarded-For is ignored, as
# anyone can send it. Behind reverse proxies, set TRUSTED_PROXY_COUNT to how many of
# them append to X-Forwarded-For (nginx or a load balancer in front: 1): the address
# the outermost one saw is used, so clients do not all share the proxy's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...] = ("REMOTE_ADDR",)
AXES_IPWARE_PROXY_COUNT: int | None = None
if TRUSTED_PROXY_COUNT > 0:
    # django-ipware counts the proxies listed in the header, which the last one
    # (the connection's address) is not; entries a client wrote are skipped.
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
    IPWARE_STRICT = False

# Internationalization: English source, Spanish, Italian and Portuguese catalogs.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("pt", _("Portuguese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Rome")
USE_I18N = True
USE_TZ = True

CURRENCY = env.str("CURRENCY", default="EUR")
# The site's public address, for links in e-mails queued outside a request (the
# periodic jobs' reminders); e-mails queued while serving a request link to the
# address the request came to (core.site). ``manage.py runall`` (make run) sets it
# from the address it serves on, unless it is set already.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Key for personal data encrypted at rest (customers' payout details): a Fernet key
# (the README says how to make one). Without it, a key derived from SECRET_KEY is
# used: fine for a local try-out only.
PAYOUT_ENCRYPTION_KEY = env.str("PAYOUT_ENCRYPTION_KEY", default="")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files made by collectstatic; DEBUG serves the sources.
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# E-mail: console by default, anything Django supports through EMAIL_URL.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# The files attached to one e-mail (a scheduled report's CSV or XLSX), together.
EMAIL_ATTACHMENT_MAX_BYTES = env.int("EMAIL_ATTACHMENT_MAX_BYTES", default=10_000_000)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Clientela <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: a Redis broker when CELERY_BROKER_URL is set, in-process tasks otherwise.
# filesystem:// needs no server: the messages are files under CELERY_FILESYSTEM_DIR;
# `manage.py runall` (what make run starts) sets it for the web server, a worker and
# beat when CELERY_BROKER_URL is not set.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://"
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_FILESYSTEM_DIR = Path(
        env.str("CELERY_FILESYSTEM_DIR", default=str(BASE_DIR / ".run" / "broker"))
    )
    (CELERY_FILESYSTEM_DIR / "queue").mkdir(parents=True, exist_ok=True)
    (CELERY_FILESYSTEM_DIR / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Producers write where the worker reads: one folder for both.
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs run often and pick what is due from the database, so they catch up
# after downtime. Apps add theirs here; beat copies them into its database tables.
# A start time in the past makes a job that never ran due at once: a fresh install
# (a newcomer's first make run) runs each job when beat starts, not an interval later.
BEAT_FIRST_DUE = datetime(2000, 1, 1, tzinfo=UTC)
CELERY_BEAT_SCHEDULE = {
    "email-flush-queued": {
        "task": "core.tasks.email_flush_queued_task",
        "schedule": timedelta(minutes=5),
        "start_time": BEAT_FIRST_DUE,
    },
}
if "balance" in INSTALLED_APPS:
    # Hourly: catches up missed periods, and a second run posts nothing.
    CELERY_BEAT_SCHEDULE["balance-gifts-run"] = {
        "task": "balance.tasks.gifts_run_task",
        "schedule": timedelta(hours=1),
        "start_time": BEAT_FIRST_DUE,
    }
if "expirations" in INSTALLED_APPS:
    # Hourly: reminders and expiries are keyed, so a second run sends nothing.
    CELERY_BEAT_SCHEDULE["expirations-run"] = {
        "task": "expirations.tasks.expirations_run_task",
        "schedule": timedelta(hours=1),
        "start_time": BEAT_FIRST_DUE,
    }
if "automation" in INSTALLED_APPS:
    # Every minute: the funnels' due steps (waits are due_at values in the database).
    CELERY_BEAT_SCHEDULE["automation-funnels-tick"] = {
        "task": "automation.tasks.funnels_tick_task",
        "schedule": timedelta(minutes=1),
        "start_time": BEAT_FIRST_DUE,
    }

if "referrals" in INSTALLED_APPS:
    # Hourly: credits the commissions whose refund window ended (keyed by order).
    CELERY_BEAT_SCHEDULE["referrals-run"] = {
        "task": "referrals.tasks.referrals_run_task",
        "schedule": timedelta(hours=1),
        "start_time": BEAT_FIRST_DUE,
    }

if "reports" in INSTALLED_APPS:
    # Every five minutes: the saved reports' scheduled e-mails that are due (keyed
    # by schedule, period and recipient, so a second run sends nothing).
    CELERY_BEAT_SCHEDULE["reports-schedules-run"] = {
        "task": "reports.tasks.report_schedules_run_task",
        "schedule": timedelta(minutes=5),
        "start_time": BEAT_FIRST_DUE,
    }

if "api" in INSTALLED_APPS:
    # Daily: forgets the API's idempotency keys older than API_IDEMPOTENCY_KEEP_HOURS.
    CELERY_BEAT_SCHEDULE["api-idempotency-purge"] = {
        "task": "api.tasks.idempotency_purge_task",
        "schedule": timedelta(hours=24),
        "start_time": BEAT_FIRST_DUE,
    }

if "webhooks" in INSTALLED_APPS:
    # Every minute: the webhook deliveries due (first tries and retries; the
    # backoff is each row's due_at).
    CELERY_BEAT_SCHEDULE["webhooks-run"] = {
        "task": "webhooks.tasks.webhooks_run_task",
        "schedule": timedelta(minutes=1),
        "start_time": BEAT_FIRST_DUE,
    }

# Webhooks: private, loopback and link-local addresses (and plain http) are refused
# unless this is set (a receiver on the same machine or network; the tests).
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool("WEBHOOKS_ALLOW_PRIVATE_URLS", default=False)
# Seconds a receiver has to answer one delivery.
WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=10)

# The cache: each process's memory by default; with several web processes set a
# shared one (redis://localhost:6379/1), so that the API's per-key rate limit is
# one count for all of them.
CACHE_URL = env.str("CACHE_URL", default="") or "locmemcache://"
CACHES = {"default": environ.Env.cache_url_config(CACHE_URL)}

# The integration API (/api/v1/): requests per minute and per key (fixed window),
# and how long an Idempotency-Key is remembered (at least 24 hours).
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=600)
API_IDEMPOTENCY_KEEP_HOURS = max(env.int("API_IDEMPOTENCY_KEEP_HOURS", default=24), 24)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind HTTPS in production (the README lists the values that pass check --deploy).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Security headers and request limits (core.middleware, django-csp).
# The language cookie is sent as securely as the session cookie; no script reads it.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Content-Security-Policy: scripts, styles, images and requests from this site only,
# no inline script or style, no plugins, no framing, forms post here only. Pages
# take no inline script; colours chosen in the settings (tags, the checkout button)
# are set by static/js/clientela.js through the CSSOM, which the policy allows.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Request bodies. A form's fields (no files) may take 2.5 MB, and a file up to
# 2.5 MB stays in memory, a larger one goes to a temporary file (Django's defaults,
# written out). REQUEST_BODY_MAX_BYTES caps a whole request before it is read
# (413); the upload pages (customer import, avatar, attachments) allow what their
# forms accept, to someone logged in only (``request_body_max_bytes`` on the view).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=3 * 1024 * 1024)

DJANGO_TABLES2_TEMPLATE = "staff/includes/table.html"

# Customer-area sign-up can be switched off.
CLIENTELA_SIGNUP_ENABLED = env.bool("CLIENTELA_SIGNUP_ENABLED", default=True)
# The business's name, on the home page and in e-mails.
CLIENTELA_BUSINESS_NAME = env.str("CLIENTELA_BUSINESS_NAME", default="Clientela")
# How customers reach the business (shown where the customer area sends them to
# "contact us", e.g. to renew a service that cannot be renewed online); empty: the
# customer area's Support page only.
CLIENTELA_CONTACT_EMAIL = env.str("CLIENTELA_CONTACT_EMAIL", default="")
CLIENTELA_CONTACT_PHONE = env.str("CLIENTELA_CONTACT_PHONE", default="")
# A customer logs in only once their e-mail address is confirmed (the login page
# offers to send the link again); false lets an unconfirmed customer log in.
CLIENTELA_LOGIN_REQUIRES_CONFIRMED_EMAIL = env.bool(
    "CLIENTELA_LOGIN_REQUIRES_CONFIRMED_EMAIL", default=True
)
# "Send the link again" from the login page: at most this many confirmation e-mails
# an hour to one address, and this many asked from one client address.
CLIENTELA_CONFIRMATION_RESEND_PER_EMAIL_PER_HOUR = env.int(
    "CLIENTELA_CONFIRMATION_RESEND_PER_EMAIL_PER_HOUR", default=3
)
CLIENTELA_CONFIRMATION_RESEND_PER_IP_PER_HOUR = env.int(
    "CLIENTELA_CONFIRMATION_RESEND_PER_IP_PER_HOUR", default=10
)
# Password-reset e-mails sent in any hour: at most this many to one address, and at
# most this many asked from one client address (see TRUSTED_PROXY_COUNT). Past that
# the page answers as usual and no e-mail goes.
CLIENTELA_PASSWORD_RESET_PER_EMAIL_PER_HOUR = env.int(
    "CLIENTELA_PASSWORD_RESET_PER_EMAIL_PER_HOUR", default=3
)
CLIENTELA_PASSWORD_RESET_PER_IP_PER_HOUR = env.int(
    "CLIENTELA_PASSWORD_RESET_PER_IP_PER_HOUR", default=10
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
