"""The baseline app of the end-to-end bench: a stock Django + DRF project with one `APIView`
returning a constant dict, served by gunicorn exactly like TradeHub (same workers and threads).

Its settings are what `django-admin startproject` writes (default middleware) plus DRF with its
default renderer; no database is touched by the view. Run as
`DJANGO_SETTINGS_MODULE=bench.e2e.hello gunicorn bench.e2e.hello:application`.
"""

SECRET_KEY = "bench-hello-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
REST_FRAMEWORK = {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}

# Imported after the settings above: importing DRF reads the settings of this very module.
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class Hello(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"hello": "world"})


urlpatterns = [path("hello/", Hello.as_view())]

application = get_wsgi_application()
