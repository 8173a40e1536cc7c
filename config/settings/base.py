"""Settings shared by every environment. Every value comes from an environment variable with a safe default
for the embedded demo (SQLite, a filesystem Celery broker, emails written to files under var/mail)."""

from pathlib import Path

import environ
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="demo-only-insecure-key-change-me-in-every-real-deployment")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SERVICE_NAME = env("SERVICE_NAME", default="Adoption support")
PHASE = env("SERVICE_PHASE", default="Beta")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "djmoney",
    "import_export",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_celery_beat",
    "django_celery_results",
    "core",
    "organisations",
    "notifications",
    "ledger",
    "support",
    "contracts",
    "commissioning",
    "claims",
    "invoicing",
    "contact",
    "audit",
    "sso",
    "scorecard",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "organisations.middleware.TwoFactorRequiredMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Widgets render through the project's templates too (the GOV.UK date input lives in templates/includes/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.service",
                "csp.context_processors.nonce",
            ],
            "builtins": ["core.templatetags.plain_words"],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web server, worker and beat share one file: writers wait for the lock (up to 20 s) and take it at
    # the start of a transaction, rather than failing with "database is locked" when two upgrade at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
# The ledger's posting statement is prepared once per connection (docs/decisions/0007). Turn it off behind a
# connection pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21, or without
# max_prepared_statements).
LEDGER_PREPARED_POSTINGS = env.bool("LEDGER_PREPARED_POSTINGS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle sessions expire: every request pushes the expiry on, so the age is an idle timeout.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Repeated failed sign-ins lock the account out from that address (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Two-factor sign-in (TOTP, django-otp) for the roles that move money or hold the whole partnership's data.
TWO_FACTOR_ROLES = env.list(
    "TWO_FACTOR_ROLES", default=["finance_officer", "lead_commissioner", "administrator"]
)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="RAA adoption support")

# Content Security Policy: our own scripts and styles only; the one inline script carries a nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# Dates for people ("4 March 2026") are set in config/formats/en_GB/formats.py: with localisation always on, the
# locale's formats win over DATE_FORMAT here, so the service's own en_GB formats module is the one place.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
GOVUK_FRONTEND_DIR = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATICFILES_DIRS = [("govuk", GOVUK_FRONTEND_DIR), BASE_DIR / "static"]
# govuk-frontend's stylesheet asks for its fonts and images at /assets/: whitenoise serves that folder at the root.
WHITENOISE_ROOT = GOVUK_FRONTEND_DIR
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Issued letters: private (no public URL), served only through the audited download view.
    "letters": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": env.path("LETTERS_ROOT", default=str(VAR_DIR / "letters")),
                            "base_url": None}},
    # Providers' invoice PDFs: private (no public URL), served only through the audited download view.
    "invoices": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                 "OPTIONS": {"location": env.path("INVOICES_ROOT", default=str(VAR_DIR / "invoices")),
                             "base_url": None}},
    # Letterbox scans (and their redacted copies): private, served only through the audited view.
    "letterbox": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                  "OPTIONS": {"location": env.path("LETTERBOX_ROOT", default=str(VAR_DIR / "letterbox")),
                              "base_url": None}},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CURRENCIES = ("GBP",)
DEFAULT_CURRENCY = "GBP"

# The demo writes each email to a file under var/mail (letters carry their PDFs: the console would print them).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="adoption-support@example.org")

# GOV.UK Notify. Without an API key (the demo), messages stay in the local outbox page and email goes to
# EMAIL_BACKEND (files under var/mail in the demo). Email templates are Notify template ids with ((subject))
# and ((body)).
NOTIFY_API_KEY = env("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_EMAIL_TEMPLATE_ID = env("NOTIFY_EMAIL_TEMPLATE_ID", default="")
NOTIFY_LETTER_EMAIL_TEMPLATE_ID = env("NOTIFY_LETTER_EMAIL_TEMPLATE_ID", default="")
NOTIFY_CALLBACK_TOKEN = env("NOTIFY_CALLBACK_TOKEN", default="")
NOTIFY_POSTAGE = env("NOTIFY_POSTAGE", default="second")
NOTIFY_TIMEOUT_SECONDS = env.int("NOTIFY_TIMEOUT_SECONDS", default=30)

# Celery. The demo default is kombu's filesystem transport: a real worker with no broker server
# (docs/decisions/0002-embedded-broker.md). Tests and production use Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="django-db")
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_STORE_EAGER_RESULT = True
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# django-import-export keeps an upload between the dry run and the confirm: keep it where every web process
# can read it.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_SKIP_ADMIN_ACTION_EXPORT_UI = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# Domain configuration (unconfirmed facts are settings, not code: ../shared/DOMAIN.md).
REPRESENTATION_WINDOW_DAYS = env.int("REPRESENTATION_WINDOW_DAYS", default=28)
ASF_APPLICATION_WINDOW_MONTHS = env.int("ASF_APPLICATION_WINDOW_MONTHS", default=3)
ASF_DECISION_WORKING_DAYS = env.int("ASF_DECISION_WORKING_DAYS", default=20)
DUE_SOON_WORKING_DAYS = env.int("DUE_SOON_WORKING_DAYS", default=10)

# The Django cache: Redis where REDIS_URL is set (tests and production: throttling counts are shared by every web
# process), local memory otherwise (the demo).
REDIS_URL = env("REDIS_URL", default="")


def caches_for(redis_url: str) -> dict:
    if redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url,
                            "KEY_PREFIX": "raa"}}
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


CACHES = caches_for(REDIS_URL)

# The REST API (api/, docs/decisions/0008-api-clients.md).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=2 * 1024 * 1024)
API_MAX_USAGE_ROWS = env.int("API_MAX_USAGE_ROWS", default=5000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_client": env("API_THROTTLE_RATE", default="600/minute"),
        "api_anonymous": env("API_UNAUTHENTICATED_THROTTLE_RATE", default="30/minute"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Adoption support API",
    "DESCRIPTION": (
        "Version 1 of the API for councils' case management and finance systems and for providers. Send the "
        "client's token as `Authorization: Bearer <token>`. Every list is paged by cursor (`next`), takes "
        "`updated_since` and `page_size` (at most 500). Errors are `application/problem+json` (RFC 9457) with "
        "`errors`, a list of `{field, message}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ApprovalStatusEnum": "support.models.assessments.ApprovalStatus",
        "NoticeStatusEnum": "support.models.notices.NoticeStatus",
        "PlanStatusEnum": "support.models.plans.PlanStatus",
        "ReviewStatusEnum": "support.models.reviews.ReviewStatus",
        "ApplicationStatusEnum": "claims.models.applications.Status",
        "ContractStatusEnum": "contracts.models.ContractStatus",
        "RunStatusEnum": "contracts.models.RunStatus",
        "UsageMeasureEnum": "contracts.models.UsageMeasure",
    },
    "DISABLE_ERRORS_AND_WARNINGS": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
