"""The web process's WSGI application (gunicorn bot.web.wsgi)."""

import os
import sys

from django.core.wsgi import get_wsgi_application

# spaCy (the notes' risk screen) imports TensorFlow whenever it is installed, and Rasa
# installs it: seconds of start-up and hundreds of MB per worker for nothing the web
# process uses. Marked missing here, in the web process only, spaCy goes without it.
sys.modules.setdefault("tensorflow", None)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bot.web.settings")
application = get_wsgi_application()
