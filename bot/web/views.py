"""Public pages of the demo website."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render


def home(request):
    return render(
        request, "home.html", {"rasa_url": settings.RASA_PUBLIC_URL, "region": settings.SITE_REGION}
    )


def health(request):
    return JsonResponse({"status": "ok"})
