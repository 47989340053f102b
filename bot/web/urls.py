from django.urls import path

from bot.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("safety", views.safety, name="safety"),
    path("privacy", views.privacy, name="privacy"),
    path("healthz", views.health, name="health"),
    path("privacy/delete-conversation", views.delete_conversation, name="delete-conversation"),
]
