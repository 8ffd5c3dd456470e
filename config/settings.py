"""Settings, all read from environment variables (12-factor).

Defaults give a safe single-machine development setup: SQLite and an embedded
filesystem Celery broker. Production (DJANGO_ENV=production) fails closed:
it has no defaults for what must be chosen (secret, database, cache, broker,
hosts, site address), so a missing one stops the process at start instead of
running on a development value.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
ENVIRONMENT = env.str("DJANGO_ENV", default="development")
if ENVIRONMENT not in ("development", "production"):
    # A typo ("prod") must not quietly run with development defaults.
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {ENVIRONMENT!r}")
IS_PRODUCTION = ENVIRONMENT == "production"


def dev_default(value):
    """`default=value` for env lookups, in development only: production must set it."""
    return {} if IS_PRODUCTION else {"default": value}


DEVELOPMENT_SECRET_KEY = "dev-only-not-a-secret-0123456789abcdef"  # public: in this file
SECRET_KEY = env.str("DJANGO_SECRET_KEY", **dev_default(DEVELOPMENT_SECRET_KEY))
if IS_PRODUCTION and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is the public development key.")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG can't be on in production.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", **dev_default(["localhost", "127.0.0.1", "[::1]"]))
if IS_PRODUCTION and "*" in ALLOWED_HOSTS:
    # Any Host header would then build the links in emails and password resets.
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS can't be '*' in production: name the hosts.")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", **dev_default("http://127.0.0.1:8000"))

INSTALLED_APPS = [
    "config.admin_apps.OfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    # API tokens stored as SHA-512 digests (django-rest-knox), not in plain text.
    "knox",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc served from our own static files, not a CDN.
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "axes",
    "common",
    "accounts",
    "agents",
    "calls",
    "billing",
    "notifications",
    "duty",
    "scheduling",
    "office",
    "client_pages",
    "agent_pages",
    "interpreter_pages",
    "api",
    "recordings",
    "privacy",
    "rooms",
    "calendars",
    "webhooks",
    "reports",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "common.middleware.DropMalformedSessionCookieMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "common.middleware.RefuseNulCharactersMiddleware",
    "common.middleware.RefuseOversizedNumbersMiddleware",
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
                "common.context_processors.configured_numbers",
            ],
            # when/day/clock/in_words filters in every template (common/dates.py).
            "builtins": ["common.templatetags.dates", "common.templatetags.phones"],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", **dev_default(f"sqlite:///{VAR_DIR / 'db.sqlite3'}")),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# A persistent connection the server dropped (restart, failover, idle
# timeout) is checked before a request uses it, instead of failing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Parallel test runs on one PostgreSQL server (several developers, CI) need
# their own test database names.
if env.str("TEST_DATABASE_NAME", default="") and "sqlite" not in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (`Index(include=...)`) are a PostgreSQL speed-up; SQLite, the
# development default, builds the same index without the extra columns and says so.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # A cap per account across addresses, on top of axes' (accounts/lockouts.py).
    "accounts.lockouts.AccountCapBackend",
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
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One date and time format per language (common/formats/, common/dates.py),
# used by pages, admin, emails and CSV alike.
FORMAT_MODULE_PATH = ["common.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# --- Recordings (recordings/; README, "Privacy") ----------------------
# Key-encryption keys, newest first: "id:base64key,older-id:base64key"
# (`manage.py recordings_newkey NAME` prints one). Production has no default:
# it refuses to start without its own. The development key is public.
RECORDING_KEYS = env.str(
    "RECORDING_KEYS",
    **dev_default("dev-not-secret:ZGV2LW9ubHkta2V5LW5vdC1hLXNlY3JldC0wMTIzNDU"),
)
if IS_PRODUCTION:
    from recordings.keyring import DEV_KEY_ID, KeyRingError, parse

    try:
        _ring = parse(RECORDING_KEYS)
    except KeyRingError as exc:
        raise ImproperlyConfigured(str(exc)) from None
    if any(k.id == DEV_KEY_ID for k in _ring):
        raise ImproperlyConfigured("RECORDING_KEYS holds the public development key.")
    del _ring
# The largest upload accepted (bytes); it is streamed, never held in memory.
RECORDING_MAX_BYTES = env.int("RECORDING_MAX_BYTES", default=500 * 1024 * 1024)
# The session's interpreter may listen for this many days after the session.
RECORDING_INTERPRETER_DAYS = env.int("RECORDING_INTERPRETER_DAYS", default=7)
# Where sealed recordings go: a folder (default) or an S3-compatible bucket
# through django-storages (RECORDINGS_STORAGE=s3; needs `django-storages[s3]`).
RECORDINGS_STORAGE = env.str("RECORDINGS_STORAGE", default="filesystem")
if RECORDINGS_STORAGE == "s3":
    _recordings_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("RECORDINGS_S3_BUCKET"),
            "endpoint_url": env.str("RECORDINGS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("RECORDINGS_S3_REGION", default=None),
            "access_key": env.str("RECORDINGS_S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("RECORDINGS_S3_SECRET_ACCESS_KEY", default=None),
            "location": env.str("RECORDINGS_S3_PREFIX", default="recordings"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif RECORDINGS_STORAGE == "filesystem":
    _recordings_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Outside MEDIA_ROOT: never served as a static media file.
        "OPTIONS": {
            "location": env.path("RECORDINGS_ROOT", default=str(VAR_DIR / "recordings")),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
else:
    raise ImproperlyConfigured("RECORDINGS_STORAGE must be filesystem or s3.")

STORAGES = {
    # Uploads other than recordings; recordings are sealed into "recordings".
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "recordings": _recordings_storage,
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
# A mail server that doesn't answer must not hold a worker (or its claim) for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="calls@example.org")

# --- Calendars (calendars/: invites in emails, each person's feed) -----------
# The ORGANIZER of every invite: the office's mailbox (a calendar app's reply goes there).
CALENDAR_ORGANIZER_EMAIL = env.str(
    "CALENDAR_ORGANIZER_EMAIL",
    default=DEFAULT_FROM_EMAIL.rpartition("<")[2].strip(" >") or "calls@example.org",
)
CALENDAR_ORGANIZER_NAME = env.str("CALENDAR_ORGANIZER_NAME", default="Interpreted calls office")
# How far ahead a feed lists sessions.
CALENDAR_FEED_HORIZON_DAYS = env.int("CALENDAR_FEED_HORIZON_DAYS", default=365)

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", **dev_default("filesystem://"))
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
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # A request publishes after its commit: a broker that is down must cost
        # it a fraction of a second, not the default retries (issue 25 item 12).
        "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=0.5),
        "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=1.0),
    }
# One try per publish: the outbox's re-queue sweep is the retry.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=0.5)
# After a failed publish a process leaves the broker alone this long.
NOTIFY_BROKER_PAUSE_SECONDS = env.int("NOTIFY_BROKER_PAUSE_SECONDS", default=15)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
# How often beat sends the sweep; also the tick a sweep claims (notifications/sweep_lock.py).
NOTIFY_SWEEP_EVERY_SECONDS = _SWEEP_SECONDS = env.int("NOTIFY_SWEEP_EVERY_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    # Reminders, agents who don't answer, overdue and missed sessions.
    "notifications-sweep-due": {
        "task": "notifications.sweep_due",
        "schedule": _SWEEP_SECONDS,
        "options": {"expires": _SWEEP_SECONDS},
    },
    # Idempotency-Keys past IDEMPOTENCY_KEEP_HOURS.
    "idempotency-purge": {
        "task": "idempotency.purge",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    # Recordings past their retention are shredded (recordings.retention), daily.
    "recordings-purge": {
        "task": "recordings.purge",
        "schedule": 24 * 3600,
        "options": {"expires": 3600},
    },
    # Video rooms left with fewer than two parties: end their sessions (the
    # countdown queued at each leave does it first; this catches a lost one).
    "rooms-sweep-empty": {
        "task": "rooms.sweep_empty",
        "schedule": _SWEEP_SECONDS,
        "options": {"expires": _SWEEP_SECONDS},
    },
    # Outbox rows that were recorded but never delivered (lost task, dead worker).
    "notifications-requeue-stuck": {
        "task": "notifications.requeue_stuck",
        "schedule": _SWEEP_SECONDS,
        "options": {"expires": _SWEEP_SECONDS},
    },
    # Webhook deliveries due (retries, lost tasks, dead workers); monthly statements.
    "webhooks-sweep": {
        "task": "webhooks.sweep",
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
# The office's front page lists clients with a booking whose free credit is below this.
OFFICE_LOW_BALANCE_CREDITS = env.int("OFFICE_LOW_BALANCE_CREDITS", default=75)
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

# --- Webhooks (webhooks/) ------------------------------------------------------
# Endpoints on private, loopback or link-local addresses are refused unless
# this is on (development and tests, with receivers on this machine).
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
# Production sends to https:// only.
WEBHOOKS_HTTPS_ONLY = IS_PRODUCTION
# Seconds a receiver may take to accept the connection, read, and answer (each).
WEBHOOKS_TIMEOUT_SECONDS = env.int("WEBHOOKS_TIMEOUT_SECONDS", default=5)
# Back-off: the first wait, doubled after each failed try, at most the cap, for this long.
WEBHOOKS_RETRY_BASE_SECONDS = env.int("WEBHOOKS_RETRY_BASE_SECONDS", default=30)
WEBHOOKS_RETRY_MAX_SECONDS = env.int("WEBHOOKS_RETRY_MAX_SECONDS", default=4 * 3600)
WEBHOOKS_RETRY_HOURS = env.int("WEBHOOKS_RETRY_HOURS", default=72)
# An endpoint whose tries have failed this long without a success is disabled.
WEBHOOKS_DISABLE_AFTER_HOURS = env.int("WEBHOOKS_DISABLE_AFTER_HOURS", default=72)

# --- Domain settings --------------------------------------------------------
# Minutes an interpreter keeps free between two sessions (counted once:
# 15 lets a 17:00–17:25 session be followed at 17:40).
SESSION_BUFFER_MINUTES = env.int("SESSION_BUFFER_MINUTES", default=15)
# How many minutes before its time a session may be started.
SESSION_START_LEAD_MINUTES = env.int("SESSION_START_LEAD_MINUTES", default=15)
# SPEC "outcomes": a client who cancels less than this before the session
# cancels late (and pays what the who-pays policy says for "late_cancel").
LATE_CANCEL_HOURS = env.int("LATE_CANCEL_HOURS", default=24)
# Moving a scheduled call (calls.services.moves): the client moves it alone
# outside the late-cancel hours above; inside them the office decides. A call
# is moved at most this many times (then: the office, or cancel and book again).
CALL_MOVES_MAX = env.int("CALL_MOVES_MAX", default=2)
# Finding the time (scheduling.finder): the earliest start offered, how far
# ahead, the grid of starts (minutes of the UTC hour), how many proposals.
SLOT_MIN_NOTICE_MINUTES = env.int("SLOT_MIN_NOTICE_MINUTES", default=120)
SLOT_HORIZON_DAYS = env.int("SLOT_HORIZON_DAYS", default=14)
SLOT_STEP_MINUTES = env.int("SLOT_STEP_MINUTES", default=15)
SLOT_LIMIT = env.int("SLOT_LIMIT", default=5)
# The calendar of times (the client's picker, the office's Find a time): the
# most starts one day shows (96: a whole day on the 15-minute grid).
SLOT_PER_DAY = env.int("SLOT_PER_DAY", default=96)
# Clients pick a proposed time themselves once the agent confirmed; off: operators pick.
CLIENT_SELF_SCHEDULING = env.bool("CLIENT_SELF_SCHEDULING", default=True)
# Default region for phone numbers typed without a country code.
PHONENUMBER_DEFAULT_REGION = env.str("PHONENUMBER_DEFAULT_REGION", default="RU")
PHONENUMBER_DB_FORMAT = "E164"
# Agent links in emails.
AGENT_LINK_MAX_AGE_HOURS = env.int("AGENT_LINK_MAX_AGE_HOURS", default=72)

# --- Video rooms (rooms/) -----------------------------------------------------
# The Janus server the product talks to (its HTTP API), and the address the
# browsers use (the same server behind the web server's /janus in production).
# Empty: video rooms are off; the pages say so and everything else runs.
JANUS_URL = env.str("JANUS_URL", default="" if IS_PRODUCTION else "http://127.0.0.1:8088/janus")
JANUS_PUBLIC_URL = env.str("JANUS_PUBLIC_URL", default=JANUS_URL)
# The VideoRoom plugin's admin_key (only the product creates rooms) and the
# credentials Janus's event handler sends with each post (deploy/janus/).
JANUS_ADMIN_KEY = env.str("JANUS_ADMIN_KEY", **dev_default("dev-rooms-admin-key"))
JANUS_EVENTS_USER = env.str("JANUS_EVENTS_USER", default="janus")
JANUS_EVENTS_PASSWORD = env.str("JANUS_EVENTS_PASSWORD", **dev_default("dev-janus-events"))
# Raw .mjr recordings, one folder per room, until the mixed file is attached.
ROOMS_RECORDINGS_DIR = env.path("ROOMS_RECORDINGS_DIR", default=str(VAR_DIR / "rooms"))
# TURN (coturn with use-auth-secret): the REST API's shared secret and its URLs.
TURN_URLS = env.list("TURN_URLS", default=[])
TURN_SECRET = env.str("TURN_SECRET", default="")
TURN_CREDENTIAL_SECONDS = env.int("TURN_CREDENTIAL_SECONDS", default=4 * 3600)
# SPEC "video rooms": links open this long before the start, close this long after the end.
ROOM_OPENS_BEFORE_MINUTES = env.int("ROOM_OPENS_BEFORE_MINUTES", default=15)
ROOM_CLOSES_AFTER_MINUTES = env.int("ROOM_CLOSES_AFTER_MINUTES", default=60)
# The session ends when fewer than two parties remain this long.
ROOM_EMPTY_END_SECONDS = env.int("ROOM_EMPTY_END_SECONDS", default=60)

# --- API (the API helper) ----------------------------------------------------
# One error shape and handler (common/api.py), JSON in and out, tokens that
# expire, and rate limits: a tight one on issuing tokens (password guessing;
# django-axes also locks out), generous ones elsewhere.
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_MAX_AGE_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# The first answer to a POST with an Idempotency-Key is kept this long (a
# retrying program gets it again), never less than a day; a claim whose
# request died without an answer is taken over after IDEMPOTENCY_STALE_SECONDS.
IDEMPOTENCY_KEEP_HOURS = max(24, env.int("IDEMPOTENCY_KEEP_HOURS", default=48))
IDEMPOTENCY_STALE_SECONDS = env.int("IDEMPOTENCY_STALE_SECONDS", default=300)
# Reverse proxies in front of the app that append to X-Forwarded-For: rate
# limits and lockouts count the address the outermost one saw.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# Rate-limit counters live in the cache, which every web process must share
# for the limits to hold: production sets CACHE_URL=redis://redis:6379/1.
CACHES = {"default": env.cache_url("CACHE_URL", **dev_default("locmemcache://"))}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # An unreachable Redis must answer fast: the rate limits then fall back to
    # a per-process count (common/throttling.py) instead of holding requests.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=env.float("CACHE_TIMEOUT_SECONDS", default=0.5),
        socket_timeout=env.float("CACHE_TIMEOUT_SECONDS", default=0.5),
    )
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
    "DEFAULT_THROTTLE_CLASSES": [
        "common.throttling.AnonRateThrottle",
        "common.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
        "api_token": env.str("API_THROTTLE_TOKEN", default="10/minute"),
    },
    # Our throttles take the address from common.addresses.client_ip; this
    # keeps DRF's own rule (anywhere it is used) the same: 0 ignores the header.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
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
    # Our own copies of Swagger UI and ReDoc (drf-spectacular-sidecar): the docs
    # work offline and run no third-party script on a signed-in operator's page.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
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
# Failed sign-ins of one account, from any addresses, within AXES_COOLOFF_TIME,
# after which it is paused for everyone and the person is told.
ACCOUNT_FAILURE_LIMIT = env.int("ACCOUNT_FAILURE_LIMIT", default=20)
# A lockout answers 429: JSON under /api/, plain text elsewhere.
AXES_LOCKOUT_CALLABLE = "common.api.lockout_response"
AXES_CLIENT_IP_CALLABLE = "common.addresses.client_ip"
# No banner in the log at every start.
AXES_VERBOSE = False

# Database sessions (Django's default engine); a malformed (forged) session
# cookie is dropped before they read it (common.middleware.DropMalformedSessionCookieMiddleware).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# A signed-in browser session lasts a working day, not the default two weeks.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
# Stated although they are Django's defaults: they are the policy, whatever a
# future default says (tests pin them).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy on every answer (django-csp): scripts, styles, fonts
# and images only from this site; no plugins, no framing, forms post here.
# Inline styles are allowed because ReDoc and the admin set some; inline
# scripts are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        # ReDoc renders in a web worker it builds from a blob.
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The room page's client libraries, served from our own origin: Debian's
# libjs-janus-gateway and libjs-webrtc-adapter, collected from where apt puts them.
ROOMS_CLIENT_JS = {
    "rooms/vendor/janus": env.str("JANUS_JS_DIR", default="/usr/share/javascript/janus-gateway"),
    "rooms/vendor/adapter": env.str(
        "WEBRTC_ADAPTER_JS_DIR", default="/usr/share/javascript/webrtc-adapter"
    ),
}
ROOMS_CLIENT_JS_READY = all(Path(folder).is_dir() for folder in ROOMS_CLIENT_JS.values())
if ROOMS_CLIENT_JS_READY:
    STATICFILES_DIRS += list(ROOMS_CLIENT_JS.items())
# The browsers talk to Janus; on another origin (development, tests) it is allowed by name.
if JANUS_PUBLIC_URL.startswith(("http://", "https://")):
    _janus_origin = "/".join(JANUS_PUBLIC_URL.split("/")[:3])
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"].append(_janus_origin)
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
