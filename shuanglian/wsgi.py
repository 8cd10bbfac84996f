"""WSGI entry point: ``gunicorn shuanglian.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuanglian.settings")

application = get_wsgi_application()
