from django.contrib import admin
from django.urls import include, path

from bot.web import views

admin.site.site_header = "Lantern staff administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("safety", views.safety, name="safety"),
    path("privacy", views.privacy, name="privacy"),
    path("healthz", views.health, name="health"),
    path("privacy/delete-conversation", views.delete_conversation, name="delete-conversation"),
    path("console/admin/", admin.site.urls),
    path("console/", include("bot.web.console.urls")),
]
