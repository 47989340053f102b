from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from bot.live.models import LiveChat
from bot.messages import CONVERSATION_ID
from bot.web.console import live, views


class ConversationIdConverter:
    """Conversation ids as the REST channel accepts them: nothing else is one."""

    regex = CONVERSATION_ID

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ConversationIdConverter, "conversation")

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="console/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("queue/", views.queue, name="queue"),
    path("conversations/<conversation:conversation_id>/", views.transcript, name="transcript"),
    path("conversations/<conversation:conversation_id>/review", views.review, name="review"),
    path(
        "conversations/<conversation:conversation_id>/messages/<int:event_id>/label",
        views.label,
        name="label",
    ),
    path("labels/", views.labels, name="labels"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<str:reference>/follow-up", views.referral_follow_up, name="follow-up"),
    path("export", views.export, name="export"),
    path("export/unredacted", views.export_unredacted, name="export-unredacted"),
    path("audit/", views.audit_log, name="audit"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("reports/", views.reports_page, name="reports"),
    path("live/", live.live, name="live"),
    path("live/duty", live.duty, name="live-duty"),
    path("live/queue.json", live.queue_json, name="live-queue"),
    path("live/<int:chat_id>/", live.chat_page, name="live-chat"),
    path("live/<int:chat_id>/accept", live.accept, name="live-accept"),
    path("live/<int:chat_id>/chat.json", live.chat_json, name="live-chat-json"),
    path("live/<int:chat_id>/say", live.say, name="live-say"),
    path(
        "live/<int:chat_id>/hand-back",
        live.close,
        {"ending": LiveChat.Ending.HANDED_BACK},
        name="live-hand-back",
    ),
    path("live/<int:chat_id>/end", live.close, {"ending": LiveChat.Ending.ENDED}, name="live-end"),
]
