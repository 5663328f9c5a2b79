"""dealercrm settings: one module, read from the environment (django-environ).

Safe development defaults; `DJANGO_ENV=production` turns on the hardening and
refuses to start without a real SECRET_KEY. Nothing else branches on the environment.
"""

import datetime as dt
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("Production needs SECRET_KEY: at least 50 random characters.")

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "guardian",
    "simple_history",
    "dealercrm",
    "customers",
    "contacts",
    "service",
    "parts",
    "loyalty",
    "demo",  # demo data and `seed_demo`: above every app, no models
]

MIDDLEWARE = [
    "dealercrm.health.HealthMiddleware",  # probes answered before the host check and HTTPS redirect
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dealercrm.sessions.SlidingSessionMiddleware",  # sliding expiry, one write per 5 min
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dealercrm.input_guard.RejectNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "dealercrm.middleware.SecurityLogMiddleware",
]

ROOT_URLCONF = "dealercrm.urls"
WSGI_APPLICATION = "dealercrm.wsgi.application"

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
                "django.template.context_processors.i18n",
                "dealercrm.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no persistent connections worth keeping and locks on writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif "postgresql" in DATABASES["default"]["ENGINE"] and env.bool("PG_JIT_OFF", default=True):
    # PostgreSQL's JIT compiles any plan it costs above 100,000: tiering's INSERT spent ~4 s
    # of 10.5 compiling (6.1 s without), and a misestimated dashboard query 600 ms to save
    # nothing (docs/benchmarks.md). Our queries are short or set-based; JIT off for ours.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Prepended to every key this deployment writes to Redis (cache entries and Celery's queues),
# so two deployments, or the scale-out drill (bench/drill.py), can share one Redis server.
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous users see nothing

# Argon2id at 19 MiB, 2 passes, 1 lane (dealercrm/hashers.py) instead of Django's 100 MiB, 2
# passes, 8 lanes: sized for the 2-core server of a dealer, where 40 people log in within the
# first seconds of the working day (issue 19). A hash at Django's cost took ~190 ms of CPU
# spread over both cores by its 8 lanes, and 100 MiB while it ran (12 gunicorn threads
# hashing at once: 1.2 GB); at this cost ~20 ms of one core and 19 MiB, so a login burst
# leaves the other core to the pages. It is OWASP's recommended Argon2id configuration
# (m=19 MiB, t=2, p=1): still memory-hard offline, and online guessing is bounded by the
# login lockouts, not by the hash. Hashes made at any other cost still verify and are
# rewritten at this one on the user's next successful login.
PASSWORD_HASHERS = [
    "dealercrm.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")  # links in e-mails
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="dealercrm <noreply@localhost>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so that an anonymous API call answers 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in, JSON out (issue 15): form encodings cannot carry the nested lists (a
    # customer's phones, an order's lines), so they answer 415 instead of dropping them.
    # The JSON is bounded in size and depth and may hold no NUL (dealercrm/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["dealercrm.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "dealercrm.api_support.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "dealercrm.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "dealercrm.api_support.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "dealercrm API",
    "DESCRIPTION": "Customer dossiers for construction-equipment dealers. "
    "Authenticate with `POST /api/v1/auth/token/` and send `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Some read-only fields are left out for some roles (service staff see no personal
    # side or money), so a response never promises them.
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dealercrm.api_support.add_error_responses",
        "dealercrm.api_support.tighten_schema",
    ],
    # Several models have a "status"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "customers.models.Customer.Status",
        "MachineStatusEnum": "customers.models.Machine.Status",
        "CustomerKindEnum": "customers.models.Customer.Kind",
        "TierEnum": "loyalty.models.tiers.TierSnapshot.Tier",
        "ReminderKindEnum": "contacts.models.Reminder.Kind",
        "ReminderStatusEnum": "contacts.models.Reminder.Status",
        "SubmissionStatusEnum": "contacts.models.Submission.Status",
        "MonthlyReportStatusEnum": "contacts.models.MonthlyReport.Status",
        "ServiceRecordKindEnum": "service.models.ServiceRecord.Kind",
        "ServiceRecordStatusEnum": "service.models.ServiceRecord.Status",
        "HourReadingSourceEnum": "service.models.HourReading.Source",
        "PartCategoryEnum": "parts.models.Category",
        "GoldCardStateEnum": "loyalty.models.GoldCard.State",
        "GoldCardEventKindEnum": "loyalty.models.GoldCardEvent.Kind",
        "LedgerEntryKindEnum": "loyalty.models.LedgerEntry.Kind",
        "GoldTraitEnum": "loyalty.models.Trait",
    },
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": REDIS_KEY_PREFIX} if REDIS_KEY_PREFIX else {}
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
# Without Redis the tasks run in-process, so a laptop needs no broker.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Domain settings (seed 000): a manager keeps at most 10 gold customers; a customer
# not contacted for this many days is at risk.
DEALERCRM = {
    "GOLD_CARD_CAP_PER_MANAGER": env.int("GOLD_CARD_CAP_PER_MANAGER", default=10),
    # Gold-card candidates (seed 000): a customer with two or three of the seven traits.
    "GOLD_CANDIDATE_MIN_TRAITS": env.int("GOLD_CANDIDATE_MIN_TRAITS", default=2),
    # What the data must show for a computed trait (the archivist may tick any by hand):
    # years operating machinery; machines bought from us + parts orders; machines in use;
    # contact logs in the last 365 days; of them, logs with the "information given" intent.
    "GOLD_TRAIT_EARLY_YEARS": env.int("GOLD_TRAIT_EARLY_YEARS", default=10),
    "GOLD_TRAIT_PURCHASES": env.int("GOLD_TRAIT_PURCHASES", default=3),
    "GOLD_TRAIT_FLEET": env.int("GOLD_TRAIT_FLEET", default=5),
    "GOLD_TRAIT_CONTACTS_PER_YEAR": env.int("GOLD_TRAIT_CONTACTS_PER_YEAR", default=6),
    "GOLD_TRAIT_INFORMATION_PER_YEAR": env.int("GOLD_TRAIT_INFORMATION_PER_YEAR", default=2),
    "AT_RISK_DAYS": env.int("AT_RISK_DAYS", default=90),
    # Login throttling: failures allowed per user name / per IP within the window (s),
    # then the key is locked for LOGIN_LOCK seconds (429 with Retry-After). The IP counts
    # and locks only user names that have not logged in from it for KNOWN_ADDRESS_DAYS.
    "LOGIN_FAILURES_PER_USER": env.int("LOGIN_FAILURES_PER_USER", default=5),
    "LOGIN_FAILURES_PER_IP": env.int("LOGIN_FAILURES_PER_IP", default=20),
    "LOGIN_WINDOW": env.int("LOGIN_WINDOW", default=900),
    "LOGIN_LOCK": env.int("LOGIN_LOCK", default=900),
    "LOGIN_KNOWN_ADDRESS_DAYS": env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=90),
    # Logins paced server-wide (dealercrm/login_pacing.py, issue 19): at most this many
    # sign-ins start per second, the rest wait their turn (never longer than LOGIN_MAX_WAIT
    # seconds); 0 = not paced. Two per core: a sign-in with the home page it lands on costs
    # ~0.1 s of a core, so on 2 cores a burst takes at most 0.4 of one and the pages keep
    # the rest (unpaced, 40 sign-ins in 4 s took a whole core and doubled every page's time).
    "LOGINS_PER_SECOND": env.float("LOGINS_PER_SECOND", default=2.0 * (os.cpu_count() or 2)),
    "LOGIN_MAX_WAIT": env.float("LOGIN_MAX_WAIT", default=15.0),
    # Logins asleep for their turn in one gunicorn process at most: its threads beyond the
    # four kept for pages (gunicorn.conf.py exports the threads it runs as GUNICORN_THREADS;
    # 8 is its default, for a process started some other way).
    "LOGIN_WAITING_PER_PROCESS": env.int(
        "LOGIN_WAITING_PER_PROCESS", default=max(0, env.int("GUNICORN_THREADS", default=8) - 4)
    ),
    # An API JSON body nested deeper than this answers 400 before it is parsed (its size
    # is bounded by Django's DATA_UPLOAD_MAX_MEMORY_SIZE).
    "JSON_MAX_DEPTH": env.int("JSON_MAX_DEPTH", default=32),
    # Behind the production proxy the client address is the first X-Forwarded-For hop.
    "TRUST_X_FORWARDED_FOR": env.bool("TRUST_X_FORWARDED_FOR", default=PRODUCTION),
    # 80/20 tiering (seed 001): a customer is stable when he bought in at least this many
    # of the last 4 quarters.
    "TIER_STABLE_QUARTERS": env.int("TIER_STABLE_QUARTERS", default=3),
    # What tiering ranks on: "revenue" (machines + parts + paid service) or "gross_profit"
    # (the same less recorded costs; items without a recorded cost count in full).
    "TIER_BASIS": env.str("TIER_BASIS", default="revenue"),
    # First retry of a failed notification e-mail after this many seconds, then doubling.
    "EMAIL_RETRY_BASE_SECONDS": env.float("EMAIL_RETRY_BASE_SECONDS", default=30.0),
    # The database refresh of the duplicate queue (find_duplicates, the archivist's button,
    # the nightly job) cut into this many partitions scored on the Celery workers; 1 scores
    # in one process. Worth it when one worker takes too long over a group's archive.
    "MATCHING_FANOUT_PARTITIONS": env.int("MATCHING_FANOUT_PARTITIONS", default=1),
    # Gold-card benefit (seed 000): 5% off (九五折) parts and repair, as a fraction.
    "GOLD_DISCOUNT": env.str("GOLD_DISCOUNT", default="0.05"),
    # The maintenance plan of model families without their own (admin: maintenance plans).
    "MAINTENANCE_FIRST_SERVICE_HOURS": env.int("MAINTENANCE_FIRST_SERVICE_HOURS", default=50),
    "MAINTENANCE_INTERVAL_HOURS": env.int("MAINTENANCE_INTERVAL_HOURS", default=250),
    # The "due soon" list: next maintenance predicted within this many days.
    "MAINTENANCE_DUE_SOON_DAYS": env.int("MAINTENANCE_DUE_SOON_DAYS", default=14),
    # The floor of every event date (contacts, service records, orders, cards, referrals,
    # monthly reports): nothing the dealer recorded happened before it opened.
    "DEALER_FOUNDED_ON": env.str("DEALER_FOUNDED_ON", default="2000-01-01"),
    # How many days back the archivist may date a gold card (a registration form filed
    # late; only a superuser goes further, down to the founding): credits count the
    # purchases from the issue date on.
    "GOLD_CARD_BACKDATE_DAYS": env.int("GOLD_CARD_BACKDATE_DAYS", default=365),
}
try:
    DEALERCRM["GOLD_DISCOUNT"] = Decimal(DEALERCRM["GOLD_DISCOUNT"])
except InvalidOperation:
    raise ImproperlyConfigured("GOLD_DISCOUNT must be a fraction such as 0.05") from None
if not Decimal("0") <= DEALERCRM["GOLD_DISCOUNT"] < Decimal("1"):
    raise ImproperlyConfigured("GOLD_DISCOUNT must be at least 0 and below 1 (0.05 = 5% off)")
if DEALERCRM["TIER_BASIS"] not in ("revenue", "gross_profit"):
    raise ImproperlyConfigured('TIER_BASIS must be "revenue" or "gross_profit"')
try:
    DEALERCRM["DEALER_FOUNDED_ON"] = dt.date.fromisoformat(DEALERCRM["DEALER_FOUNDED_ON"])
except ValueError:
    raise ImproperlyConfigured("DEALER_FOUNDED_ON must be a date such as 2000-01-01") from None
if not dt.date(1900, 1, 1) <= DEALERCRM["DEALER_FOUNDED_ON"] <= dt.date.today():  # noqa: DTZ011
    raise ImproperlyConfigured("DEALER_FOUNDED_ON must be a date (YYYY-MM-DD) from 1900 to today")
if DEALERCRM["GOLD_CARD_BACKDATE_DAYS"] < 0:
    raise ImproperlyConfigured("GOLD_CARD_BACKDATE_DAYS cannot be negative")
if DEALERCRM["MAINTENANCE_FIRST_SERVICE_HOURS"] < 1 or DEALERCRM["MAINTENANCE_INTERVAL_HOURS"] < 1:
    raise ImproperlyConfigured("Maintenance hours must be positive")

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# Idle timeout: the age counts from the last request, refreshed at most every 5 minutes
# (dealercrm.sessions: not a database write per request).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=300)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content security policy (django-csp): our pages load nothing but our own static files —
# no inline scripts or styles, no CDNs (the machines are offline anyway).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
