"""Settings, all read from environment variables (12-factor).

Defaults give a safe single-machine development setup: SQLite and an embedded
filesystem Celery broker. Production sets DJANGO_ENV=production, which turns
on the secure defaults and makes a missing secret key fail at start.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
ENVIRONMENT = env.str("DJANGO_ENV", default="development")
IS_PRODUCTION = ENVIRONMENT == "production"

if IS_PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-not-a-secret-0123456789abcdef")

DEBUG = env.bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "config.admin_apps.OfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "phonenumber_field",
    "axes",
    "accounts",
    "agents",
    "calls",
    "billing",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# Parallel test runs on one PostgreSQL server (several developers, CI) need
# their own test database names.
if env.str("TEST_DATABASE_NAME", default="") and "sqlite" not in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.RoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
# locale/ is the product's catalogue; locale_parts/<topic>/ hold catalogues of
# work in progress on separate branches (merged into locale/ when it lands).
LOCALE_PATHS = [BASE_DIR / "locale", *sorted((BASE_DIR / "locale_parts").glob("*"))]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    # Recordings are personal data: they are stored privately and served only
    # through a view that checks who asks.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
# Delivery holds the outbox row's lock while the mail server answers: bound it.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="calls@example.org")

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
# One task at a time per process: a long delivery doesn't hold others back.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast (pidbox) messages too, instead of a "control" folder in the cwd.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    # The worker polls this broker and fetches no more than its prefetch every
    # two seconds: with 1 a backlog drains at one message a second. Messages
    # taken but not done are lost with a dead worker here, which the outbox's
    # re-queue sweep makes good (and beat reruns the sweeps each minute).
    CELERY_WORKER_PREFETCH_MULTIPLIER = 20
else:
    # Redis hands a task held by a dead worker out again only after this many
    # seconds; exactly-once does not rest on it (the outbox row does).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
_SWEEP_SECONDS = env.int("NOTIFY_SWEEP_EVERY_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    # Reminders, agents who don't answer, overdue and missed sessions.
    "notifications-sweep-due": {
        "task": "notifications.sweep_due",
        "schedule": _SWEEP_SECONDS,
        "options": {"expires": _SWEEP_SECONDS},
    },
    # Outbox rows that were recorded but never delivered (lost task, dead worker).
    "notifications-requeue-stuck": {
        "task": "notifications.requeue_stuck",
        "schedule": _SWEEP_SECONDS,
        "options": {"expires": _SWEEP_SECONDS},
    },
}

# --- Notifications (reminders, escalations, the outbox) ----------------------
# Reminders this many minutes before each session (24 h and 1 h by default).
NOTIFY_REMINDER_MINUTES = env.list("NOTIFY_REMINDER_MINUTES", cast=int, default=[1440, 60])
# A request still awaiting its agent after this long: reminder to the agent...
NOTIFY_AGENT_REMINDER_AFTER_HOURS = env.int("NOTIFY_AGENT_REMINDER_AFTER_HOURS", default=12)
# ...and after this long: escalated to the operators.
NOTIFY_AGENT_DEADLINE_HOURS = env.int("NOTIFY_AGENT_DEADLINE_HOURS", default=48)
# A request still "requested" (its agency has no agent to ask) after this long
# opens an operator task.
NOTIFY_UNASKED_AFTER_MINUTES = env.int("NOTIFY_UNASKED_AFTER_MINUTES", default=15)
# Session not started this long after its time: overdue, then missed.
NOTIFY_OVERDUE_AFTER_MINUTES = env.int("NOTIFY_OVERDUE_AFTER_MINUTES", default=10)
NOTIFY_MISSED_AFTER_MINUTES = env.int("NOTIFY_MISSED_AFTER_MINUTES", default=30)
# Delivery: tries before a message is marked failed, first back-off, and how
# long a pending message may wait before the sweep queues it again.
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=5)
NOTIFY_RETRY_BASE_SECONDS = env.int("NOTIFY_RETRY_BASE_SECONDS", default=60)
NOTIFY_STUCK_AFTER_SECONDS = env.int("NOTIFY_STUCK_AFTER_SECONDS", default=300)
# Rows a sweep handles per query (sweeps never load everything at once).
NOTIFY_SWEEP_BATCH = env.int("NOTIFY_SWEEP_BATCH", default=500)
# Channels used for every message; "sms" needs a phone number on the person.
NOTIFY_CHANNELS = env.list("NOTIFY_CHANNELS", default=["email"])
# Until a provider is configured, SMS are only logged (without the number).
NOTIFY_SMS_BACKEND = env.str("NOTIFY_SMS_BACKEND", default="notifications.channels.LogSmsBackend")

# --- Domain settings --------------------------------------------------------
# Minutes an interpreter keeps free between two sessions (counted once:
# 15 lets a 17:00–17:25 session be followed at 17:40).
SESSION_BUFFER_MINUTES = env.int("SESSION_BUFFER_MINUTES", default=15)
# How many minutes before its time a session may be started.
SESSION_START_LEAD_MINUTES = env.int("SESSION_START_LEAD_MINUTES", default=15)
# Default region for phone numbers typed without a country code.
PHONENUMBER_DEFAULT_REGION = env.str("PHONENUMBER_DEFAULT_REGION", default="RU")
PHONENUMBER_DB_FORMAT = "E164"
# Agent links in emails.
AGENT_LINK_MAX_AGE_HOURS = env.int("AGENT_LINK_MAX_AGE_HOURS", default=72)

# --- API (the API helper) ----------------------------------------------------
# One error shape and handler (common/api.py), JSON in and out, tokens that
# expire, and rate limits: a tight one on issuing tokens (password guessing;
# django-axes also locks out), generous ones elsewhere.
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=30)
# Reverse proxies in front of the app that append to X-Forwarded-For: rate
# limits and lockouts count the address the outermost one saw.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# Rate-limit counters live in the cache, which every web process must share
# for the limits to hold: production sets CACHE_URL=redis://redis:6379/1.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "common.api.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous request gets 401 with WWW-Authenticate.
        "common.drf.ExpiringTokenAuthentication",
        # The browser's session; DRF enforces CSRF for it on unsafe methods.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["common.drf.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.drf.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
        "api_token": env.str("API_THROTTLE_TOKEN", default="10/minute"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Interpreted calls API",
    "DESCRIPTION": (
        "Calls for clients, requests for agents, sessions for interpreters. "
        "Errors: {code, message, errors} with the message in the user's language. "
        "Times are ISO 8601 in the user's own time zone; a time without an offset "
        "is read in it."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CallStateEnum": "calls.models.CallState",
        "CallKindEnum": "calls.models.CallKind",
        "SessionStatusEnum": "calls.models.SessionStatus",
        "NumberRoleEnum": "agents.contact_rules.NumberRole",
        "RoleEnum": "accounts.models.Role",
    },
}

# --- Security -----------------------------------------------------------------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
# Lock a username only from the address that failed: a stranger can't lock a
# named account for everyone, nor one office behind a shared address lock out
# all of its staff.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# A lockout answers 429: JSON under /api/, plain text elsewhere.
AXES_LOCKOUT_CALLABLE = "common.api.lockout_response"
AXES_CLIENT_IP_CALLABLE = "common.api.client_ip"

SESSION_COOKIE_HTTPONLY = True
# Database sessions that ignore a malformed (forged) session cookie.
SESSION_ENGINE = "common.sessions"
# A signed-in browser session lasts a working day, not the default two weeks.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # The container's health check speaks plain HTTP from inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
AXES_VERBOSE = False
