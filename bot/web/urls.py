from django.contrib import admin
from django.urls import include, path

from bot.web import live_views, notes_views, views

admin.site.site_header = "Lantern staff administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("safety", views.safety, name="safety"),
    path("privacy", views.privacy, name="privacy"),
    path("healthz", views.health, name="health"),
    path("privacy/delete-conversation", views.delete_conversation, name="delete-conversation"),
    path("notes/screen", notes_views.screen_note, name="notes-screen"),
    path("notes/attach", notes_views.attach_note, name="notes-attach"),
    path("live/availability", live_views.live_availability, name="live-availability"),
    path("live/request", live_views.request_live_chat, name="live-request"),
    path("live/<str:conversation_id>", live_views.live_chat_news, name="live-news"),
    path("live/<str:conversation_id>/leave", live_views.leave_live_chat, name="live-leave"),
    path("console/admin/", admin.site.urls),
    path("console/", include("bot.web.console.urls")),
]
