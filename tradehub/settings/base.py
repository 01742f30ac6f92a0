"""Settings shared by every environment; every value comes from an environment variable."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-secret-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # Django's admin with the TradeHub site: the control tower is its landing page.
    "tradehub.workplace.apps.TradeHubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tradehub.ui",
    "axes",
    "csp",
    "tradehub.partners",
    "tradehub.reference",
    "tradehub.notifications",
    "tradehub.api",
    "tradehub.work",
    "tradehub.rates",
    "declarations",
    "shipments",
    # Customs gateways: self-contained packages plugged in here and in CUSTOMS_GATEWAYS below.
    "gateways.simulated",
]

MIDDLEWARE = [
    # Outermost: every error answer under /api/ becomes problem+json (also Django's own pages).
    "tradehub.api.problems.ProblemJsonMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below; django-csp's
    # middleware with the settings' policy built once).
    "tradehub.ui.middleware.SettingsPolicyCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Staff pages: the language switch (cookie), else Accept-Language; /api/ stays English.
    "tradehub.ui.middleware.StaffLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's messages, for every page but the partner API (which has none).
    "tradehub.api.middleware.StaffMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Partner API: 413 for oversized bodies, then Idempotency-Key replay for POSTs.
    "tradehub.api.middleware.RequestSizeMiddleware",
    "tradehub.api.idempotency.IdempotencyMiddleware",
    # Admin login lockout (django-axes): last, as its documentation requires.
    "axes.middleware.AxesMiddleware",
]

# --- Staff login: throttling and lockout (django-axes) ------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for a username, or from one address, further logins
# of that username / from that address are refused (429, admin/lockout.html) for
# AXES_COOLOFF_MINUTES, even with the right password. Unlock earlier:
# `manage.py axes_reset_username NAME`, `axes_reset_ip ADDRESS` or `axes_reset` (all).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"

# --- Content-Security-Policy (django-csp) -------------------------------------------------------
# Scripts only from this site (no inline script, no eval): the admin, its language switch
# (tradehub/static/tradehub/autosubmit.js) and the offline Swagger UI (drf-spectacular-sidecar,
# initialised from a script file by SpectacularSwaggerSplitView) need nothing else. Inline style
# attributes stay allowed (admin templates use them; they cannot run code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "tradehub.urls"
WSGI_APPLICATION = "tradehub.wsgi.application"
ASGI_APPLICATION = "tradehub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tradehub" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tradehub.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for the writer instead of failing when worker, beat and web write together.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=3)


def resilient(database: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL: an unreachable database fails a request (503) within DATABASE_CONNECT_TIMEOUT
    seconds instead of hanging it, and a connection broken by a restart is replaced on the next
    request (health checks), so the API recovers without a restart. The health check runs
    `SELECT 1` only when the idle connection's socket has something to read (see
    tradehub/postgresql/base.py): a healthy reused connection costs no round trip."""
    if database["ENGINE"].startswith("django.db.backends.postgresql"):
        database["ENGINE"] = "tradehub.postgresql"
        database.setdefault("OPTIONS", {})["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
        database["CONN_HEALTH_CHECKS"] = True
    return database


resilient(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Short socket timeouts: a stopped or frozen Redis costs a request at most this long, and callers
# (throttle, health) fail open instead of hanging (docs/operations.md).
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=0.5)


def redis_cache(url: str) -> dict[str, Any]:
    """The Django cache settings for a Redis URL, with short connect and read timeouts."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
                "socket_timeout": CACHE_SOCKET_TIMEOUT,
            },
        }
    }


if REDIS_URL:
    CACHES = redis_cache(REDIS_URL)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Admin tables that are plumbing, not work: only superusers (operators) see them (tradehub.ui).
ADMIN_INTERNAL_MODELS = [
    "api.IdempotencyRecord",
    "declarations.CustomsNumberSeries",
    "notifications.DigestItem",
    "work.PendingTask",
    "axes.AccessAttempt",
    "axes.AccessFailureLog",
    "axes.AccessLog",
]

LANGUAGE_CODE = "en"
# Staff and email languages (docs/i18n.md). Kazakh is not offered: see docs/i18n.md for why.
LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English with 24-hour times and ISO dates (tradehub/ui/formats/en); Russian and Chinese as Django has them.
FORMAT_MODULE_PATH = ["tradehub.ui.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Almaty")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "tradehub" / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Largest documented batch is 10,000 telemetry readings (~1.6 MB of JSON); leave headroom.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=4 * 1024 * 1024)

# --- Email ------------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="TradeHub alerts <alerts@tradehub.local>"
)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tradehub.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tradehub.api.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["tradehub.api.queries.StrictFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["tradehub.api.renderers.FastJSONRenderer"],
    # DRF's negotiation, its answer remembered per Accept header (tradehub/api/negotiation.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tradehub.api.negotiation.RememberingContentNegotiation",
    "DEFAULT_PARSER_CLASSES": ["tradehub.api.parsers.StrictJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["tradehub.api.throttling.PartnerRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "tradehub.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "tradehub.api.exceptions.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "PAGE_SIZE": 50,
}
API_KEY_CUSTOM_HEADER = "HTTP_AUTHORIZATION"
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="1200/min")
# Verified API keys are kept in each process this long at most; revoking a key, changing its expiry
# or deactivating its partner invalidates every process's copy at once (tradehub/partners/authentication.py).
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=300)
# How often (seconds) a process reads the shared revocation token: a key revoked through another
# process stops working here within this time (0 = read it on every request, one Redis GET).
API_KEY_REVOCATION_CHECK_SECONDS = env.float("API_KEY_REVOCATION_CHECK_SECONDS", default=1.0)

SPECTACULAR_SETTINGS = {
    "TITLE": "TradeHub partner API",
    "DESCRIPTION": "Consolidated customs declarations at Almaty, regional distribution and perishable "
    "cargo tracking for the China–Central Asia corridor.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # 3.1: webhook payloads are part of the schema (`webhooks`), so generated clients and
    # receivers share one typed definition of every event.
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": [
        "declarations.api.webhooks.STATUS_CHANGED",
        "shipments.api.webhooks.SHIPMENT_STATUS_CHANGED",
        "shipments.api.webhooks.SHIPMENT_CHANGED",
        "shipments.api.webhooks.ALERT_CREATED",
    ],
    # Enums are named after their choices class (`RiskChannel` -> `RiskChannelEnum`), so no
    # ENUM_NAME_OVERRIDES is kept by hand: tradehub/api/schema_enums.py.
    "POSTPROCESSING_HOOKS": ["tradehub.api.schema_enums.postprocess_schema_enums"],
}

# --- Celery -----------------------------------------------------------------------------------
# Without REDIS_URL the broker is kombu's filesystem transport, so worker and beat really run
# with no service installed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Queues by workload, so each can get its own worker pool (and machines) when one machine is not
# enough (docs/deployment.md): telemetry processing, alert scans, outbound delivery (webhooks and
# emails), customs (message application and the gateways), and `celery` for the rest (relay,
# housekeeping). A worker started without `-Q` consumes all of them: one machine needs nothing.
CELERY_TASK_DEFAULT_QUEUE = "celery"
WORKLOAD_QUEUES = ("ingest", "alerts", "delivery", "customs")
CELERY_TASK_ROUTES = {
    "shipments.tasks.process_readings_task": {"queue": "ingest"},
    "shipments.tasks.process_stale_readings_task": {"queue": "ingest"},
    "shipments.tasks.derive_shipment_status_task": {"queue": "ingest"},
    "shipments.alerts.tasks.*": {"queue": "alerts"},
    "shipments.tasks.mark_*": {"queue": "alerts"},
    "tradehub.notifications.tasks.*": {"queue": "delivery"},
    "declarations.tasks.*": {"queue": "customs"},
    "gateways.*": {"queue": "customs"},
}
CELERY_TASK_QUEUES = [Queue(name) for name in (CELERY_TASK_DEFAULT_QUEUE, *WORKLOAD_QUEUES)]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
# Redis broker: a task a worker took and never acknowledged (the worker was killed) is delivered
# again after `visibility_timeout` seconds. It must exceed the longest task (the hard time limit)
# or a running task would be delivered twice; default twice the hard limit.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * CELERY_TASK_TIME_LIMIT)
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # A stopped or frozen broker fails a publish within seconds instead of hanging a request.
        "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=3.0),
        "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0),
    }
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Task outbox (tradehub.work): a row not done this many seconds after its first request (or last
# relay) is published again by beat (every 30 s), at most this many per run.
TASK_OUTBOX_RELAY_SECONDS = env.int("TASK_OUTBOX_RELAY_SECONDS", default=60)
TASK_OUTBOX_RELAY_BATCH = env.int("TASK_OUTBOX_RELAY_BATCH", default=500)

# --- Domain settings --------------------------------------------------------------------------
# Customs gateways, one per office (docs/customs-procedures.md). CUSTOMS_GATEWAYS names the gateways
# this deployment has (a class by dotted path, its options); CUSTOMS_GATEWAY_ROUTES says which one
# serves an office: by office code, else its country, else "*". CUSTOMS_GATEWAY=routes (default;
# "simulated" is its former name) uses the routes; the name of a gateway ("manual") sends every
# office to it.
CUSTOMS_SIMULATED_RELEASE_SECONDS = env.int("CUSTOMS_SIMULATED_RELEASE_SECONDS", default=180)
CUSTOMS_GATEWAY = env.str("CUSTOMS_GATEWAY", default="routes")
CUSTOMS_GATEWAYS: dict[str, dict[str, Any]] = {
    # Kazakh offices: a simulated ASTANA-1 (the Kazakh customs information system).
    "astana1": {
        "class": "gateways.simulated.gateway.SimulatedGateway",
        "options": {"system": "ASTANA-1"},
    },
    # Kyrgyz offices: a simulated EAIS of the State Customs Service (releases take twice as long).
    "kg_eais": {
        "class": "gateways.simulated.gateway.SimulatedGateway",
        "options": {"system": "EAIS-KG", "release_factor": 2},
    },
    # Everywhere else staff record the decisions in the admin (or a gateway partner posts them).
    "manual": {"class": "declarations.gateway.manual.ManualGateway"},
}
CUSTOMS_GATEWAY_ROUTES = env.dict(
    "CUSTOMS_GATEWAY_ROUTES", default={"KZ": "astana1", "KG": "kg_eais", "*": "manual"}
)
ALERT_DIGEST_MINUTES = env.int("ALERT_DIGEST_MINUTES", default=15)
ALERT_EXPIRING_THRESHOLDS_HOURS = env.list(
    "ALERT_EXPIRING_THRESHOLDS_HOURS", cast=int, default=[72, 24]
)
ALERT_ARRIVAL_MARGIN_HOURS = env.int("ALERT_ARRIVAL_MARGIN_HOURS", default=12)
ALERT_CUSTOMS_HOLD_HOURS = env.int("ALERT_CUSTOMS_HOLD_HOURS", default=24)
# A lot whose product broke its temperature limits by at least this many degree-hours (°C·h beyond
# the limit, summed over the excursion) reads "at risk" even when the shelf-life model still gives it
# time: internal rule, so a quality check follows. 6 °C·h is e.g. one hour 6 °C too warm; a defrost
# cycle (about 20 min a few degrees over) stays below it, six hours at 24 °C is far above it.
LOT_EXCURSION_AT_RISK_DEGREE_HOURS = env.float("LOT_EXCURSION_AT_RISK_DEGREE_HOURS", default=6.0)
# --- Control tower (the admin's landing page, docs/workplace.md) -----------------------------
# The queues shown, in order, and when each turns amber and red. Age clocks: minutes the oldest
# row has waited. Deadline clocks: minutes left before the earliest deadline (0 = overdue; the
# transit queue lists transits due within its amber limit). Each row names where its limits come
# from; "internal target" rows are this forwarder's own service levels, change them here.
CONTROL_TOWER: list[dict[str, Any]] = [
    {
        "queue": "declarations.queues.SUBMITTED",
        "amber_minutes": 30,
        "red_minutes": 60,
        "source": "Registration within 1 hour of lodging (IFCG encyclopedia, 'Release of goods "
        "by a customs authority pursuant to the EAEU Customs Code')",
    },
    {
        "queue": "declarations.queues.ACCEPTED",
        "amber_minutes": 180,
        "red_minutes": 240,
        "source": "Release within 4 hours of registration (EAEU Customs Code Art. 119(1))",
    },
    {
        "queue": "declarations.queues.UNDER_CONTROL",
        "amber_minutes": 8 * 60,
        "red_minutes": 24 * 60,
        "source": "Checks extend release to the working day after registration (EAEU Customs "
        "Code Art. 119(2)); red after one day",
    },
    {
        "queue": "declarations.queues.RELEASED",
        "amber_minutes": 6 * 60,
        "red_minutes": 24 * 60,
        "source": "Internal target: perishables leave the warehouse the day they are released",
    },
    {
        "queue": "declarations.queues.TRANSITS",
        "amber_minutes": 24 * 60,
        "red_minutes": 0,
        "source": "Delivery deadline set by customs (EAEU Customs Code Art. 144); amber a day "
        "before it",
    },
    {
        "queue": "shipments.queues.AT_RISK",
        "amber_minutes": 72 * 60,
        "red_minutes": 24 * 60,
        "source": "ALERT_EXPIRING_THRESHOLDS_HOURS defaults (72 h, 24 h of shelf life left)",
    },
    {
        "queue": "shipments.queues.OVERDUE",
        "amber_minutes": 0,
        "red_minutes": 12 * 60,
        "source": "ALERT_ARRIVAL_MARGIN_HOURS default (12 h late)",
    },
    {
        "queue": "shipments.queues.CUSTOMS_HOLD",
        "amber_minutes": 12 * 60,
        "red_minutes": 24 * 60,
        "source": "ALERT_CUSTOMS_HOLD_HOURS default (24 h on hold)",
    },
    {
        "queue": "shipments.queues.OPEN_ALERTS",
        "amber_minutes": 30,
        "red_minutes": 2 * 60,
        "source": "Internal target: an alert is acknowledged within 30 minutes",
    },
    {
        "queue": "shipments.queues.EXCURSIONS",
        "amber_minutes": 60,
        "red_minutes": 4 * 60,
        "source": "Internal target: an excursion is looked at within the hour",
    },
    {
        "queue": "tradehub.notifications.queues.FAILING_DELIVERIES",
        "amber_minutes": 15,
        "red_minutes": 60,
        "source": "Internal target: a failing webhook or email is looked at within 15 minutes",
    },
]
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool("WEBHOOKS_ALLOW_PRIVATE_URLS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# Telemetry growth: monthly readings partitions beat keeps ready beyond the current month
# (PostgreSQL), and whole months of raw readings kept before `prune_readings` drops them (hourly
# rollups are kept; 0 keeps raw readings forever).
TELEMETRY_PARTITIONS_AHEAD = env.int("TELEMETRY_PARTITIONS_AHEAD", default=3)
TELEMETRY_RAW_RETENTION_MONTHS = env.int("TELEMETRY_RAW_RETENTION_MONTHS", default=13)
# Trade report: the currency values are converted into, and how long an official exchange rate
# holds over days without a publication (weekends, holidays) before it counts as missing.
TRADE_REPORT_CURRENCY = env.str("TRADE_REPORT_CURRENCY", default="USD")
RATES_MAX_AGE_DAYS = env.int("RATES_MAX_AGE_DAYS", default=7)
# Outbox delivery: attempts before a message is marked failed, exponential backoff between them
# (base * 2**(attempt-1), capped), how long a claim on a message lasts before another worker may
# take it over, and how many due messages one dispatcher run re-enqueues.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=20)
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=10)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=300)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=60)
OUTBOX_DISPATCH_BATCH = env.int("OUTBOX_DISPATCH_BATCH", default=500)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SESSION_COOKIE_AGE = int(timedelta(hours=12).total_seconds())
