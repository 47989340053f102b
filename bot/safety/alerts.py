"""Staff alerts: a POST to STAFF_ALERT_WEBHOOK_URL when a conversation reaches high or imminent,
or when a visitor asks for a person to join the chat (reason ``live_chat``).

The action server only puts the alert in an outbox table shared by every action
server (``bot.alerts.models.StaffAlert`` in DATABASE_URL): one conditional INSERT, so
the visitor's reply never waits for the webhook, and a repeat of the same level
(or a lower one) for the same conversation within DEDUPE_WINDOW is not queued.
The referral worker (``python -m bot.referral deliver``) posts the alerts the way
it posts referrals: each alert leased while it is posted, so a worker that dies
mid-post only delays it; its id as the Idempotency-Key header on every try;
doubling, jittered delays between tries; at most ALERTS_PER_MINUTE posts a
minute, the rest waiting their turn. An alert leaves the outbox only when the
webhook accepts it.

The alert carries why (reason), the level, the categories, a link to the
conversation in the staff console, when it was raised and its id; never message text.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from urllib.parse import quote

import requests
from asgiref.sync import sync_to_async
from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from bot.alerts.models import StaffAlert
from bot.referral.delivery import RETRY_STATUSES, TIMEOUT
from bot.referral.outbox import Backoff, claim_next, mark_delivered, mark_retry

logger = logging.getLogger(__name__)

ALERT_LEVELS = ("high", "imminent")  # the risk levels that alert, lowest first
LEVELS = tuple(StaffAlert.Level.values)  # lowest first
# No second alert for a conversation at the same or a lower level within this long
# of the last one: a visitor repeating a crisis message does not page staff again,
# but high then imminent alerts twice.
DEDUPE_WINDOW = timedelta(minutes=30)
# At most this many alert POSTs (retries included) in any minute, from the worker;
# more wait in the outbox for the next free slot, they are never dropped.
ALERTS_PER_MINUTE = 30
ACCEPTED_STATUSES = {409}  # besides 2xx: the webhook already has an alert with this key


def window_start(moment: datetime, window: timedelta = DEDUPE_WINDOW) -> datetime:
    """The start of the fixed dedupe window ``moment`` falls in (the unique constraint's key)."""
    seconds = window.total_seconds()
    return datetime.fromtimestamp(moment.timestamp() // seconds * seconds, tz=dt_timezone.utc)


def enqueue(
    conversation_id: str,
    level: str,
    categories: Iterable[str],
    now: datetime | None = None,
    window: timedelta = DEDUPE_WINDOW,
    reason: str = StaffAlert.Reason.RISK,
) -> StaffAlert | None:
    """Queue an alert; None when this conversation had one for the same reason, of this
    level or higher, within ``window``. Raises ValueError for a risk level that does not
    alert or a missing id."""
    if reason == StaffAlert.Reason.RISK and level not in ALERT_LEVELS:
        raise ValueError(f"staff alerts are for levels {' and '.join(ALERT_LEVELS)}, not {level!r}")
    if reason not in StaffAlert.Reason.values or level not in LEVELS:
        raise ValueError(f"unknown alert reason {reason!r} or level {level!r}")
    if not conversation_id or len(conversation_id) > 255:
        raise ValueError("a staff alert needs the conversation's id (1 to 255 characters)")
    now = now or timezone.now()
    alert = StaffAlert(
        conversation_id=conversation_id,
        level=level,
        reason=reason,
        categories=[str(category) for category in categories],
        raised_at=now,
        window_start=window_start(now, window),
        next_attempt_at=now,
    )
    return alert if _insert_unless_recent(alert, window) else None


def _insert_unless_recent(alert: StaffAlert, window: timedelta) -> bool:
    """INSERT ... SELECT ... WHERE NOT EXISTS (a recent alert of this level or higher)
    ON CONFLICT DO NOTHING, in one statement; True when the row went in.

    On SQLite the transaction takes the write lock first (settings: IMMEDIATE), so
    checks and inserts from all processes run one at a time. On PostgreSQL two
    concurrent inserts can both pass NOT EXISTS; the unique constraint on
    (conversation, reason, level, window_start) then keeps only one of them.
    """
    alias = router.db_for_write(StaffAlert)
    connection = connections[alias]
    quote_name = connection.ops.quote_name
    columns = [
        column
        for column in StaffAlert._meta.concrete_fields
        if getattr(alert, column.attname) is not None
    ]
    # PostgreSQL does not infer a column's type through INSERT ... SELECT: say it.
    typed = connection.vendor == "postgresql"
    placeholders = [
        f"CAST(%s AS {column.db_type(connection)})" if typed else "%s" for column in columns
    ]
    same_or_higher = LEVELS[LEVELS.index(alert.level) :]
    table = quote_name(StaffAlert._meta.db_table)
    names = {name: quote_name(name) for name in ("conversation_id", "reason", "level", "raised_at")}
    # Only quoted table and column names are formatted in; every value is a parameter.
    insert = f"INSERT INTO {table} ({', '.join(quote_name(c.column) for c in columns)})"
    recent = (
        f"SELECT 1 FROM {table} WHERE {names['conversation_id']} = %s"  # noqa: S608
        f" AND {names['reason']} = %s"
        f" AND {names['level']} IN ({', '.join(['%s'] * len(same_or_higher))})"
        f" AND {names['raised_at']} > %s"
    )
    sql = f"{insert} SELECT {', '.join(placeholders)} WHERE NOT EXISTS ({recent})"
    sql += " ON CONFLICT DO NOTHING"
    raised_at = StaffAlert._meta.get_field("raised_at")
    params = [
        *(c.get_db_prep_save(getattr(alert, c.attname), connection) for c in columns),
        alert.conversation_id,
        alert.reason,
        *same_or_higher,
        raised_at.get_db_prep_value(alert.raised_at - window, connection),
    ]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


async def raise_alert(conversation_id: str, level: str, categories: Iterable[str]) -> None:
    """From an action: queue the alert off the event loop; never fails the visitor's reply."""
    try:
        alert = await sync_to_async(enqueue, thread_sensitive=False)(
            conversation_id, level, list(categories)
        )
    except (DatabaseError, ValueError) as error:
        # The reply still goes out; this line is the only trace of the alert, so say it all.
        logger.critical(
            "STAFF ALERT NOT QUEUED (%s): level=%s conversation=%s",
            type(error).__name__,
            level,
            conversation_id,
        )
        return
    if alert is None:
        logger.info("staff alert (%s) not queued: raised already in this window", level)
    else:
        logger.info("staff alert %s queued (%s)", alert.id, level)


@dataclass
class AlertWebhook:
    url: str
    console_url: str = "http://localhost:8000"
    session: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def from_environment(cls) -> AlertWebhook | None:
        url = os.environ.get("STAFF_ALERT_WEBHOOK_URL", "").strip()
        console_url = os.environ.get("CONSOLE_BASE_URL", "http://localhost:8000").strip()
        return cls(url, console_url) if url else None


def alert_body(alert: StaffAlert, console_url: str) -> dict:
    """Who to look at and why, never what they wrote."""
    categories = alert.categories if isinstance(alert.categories, list) else []
    conversation = quote(alert.conversation_id, safe="")
    return {
        "alert_id": str(alert.id),
        "reason": str(alert.reason),
        "level": alert.level,
        "categories": [category for category in categories if isinstance(category, str)],
        "conversation_url": f"{console_url.rstrip('/')}/console/conversations/{conversation}/",
        "raised_at": alert.raised_at.isoformat(),
    }


def post(webhook: AlertWebhook, alert: StaffAlert) -> str:
    """What went wrong, or "" when the webhook has the alert (2xx, or 409: it had it already)."""
    try:
        response = webhook.session.post(
            webhook.url,
            json=alert_body(alert, webhook.console_url),
            headers={"Idempotency-Key": str(alert.id)},
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        return type(error).__name__
    status = response.status_code
    if 200 <= status < 300 or status in ACCEPTED_STATUSES:
        return ""
    if status >= 500 or status in RETRY_STATUSES:
        return f"HTTP {status}"
    # Any other refusal is a configuration fault (address, token): keep trying, loudly.
    logger.error("staff alert %s refused by the webhook: HTTP %s", alert.id, status)
    return f"HTTP {status}: {response.text[:200]}"


class Throttle:
    """At most ``per_minute`` posts in any 60 seconds; callers wait for room, nothing is dropped."""

    def __init__(
        self, per_minute: int = ALERTS_PER_MINUTE, clock: Callable[[], float] = time.monotonic
    ):
        if per_minute < 1:
            raise ValueError("the staff alert throttle needs at least 1 alert a minute")
        self.per_minute, self.clock = per_minute, clock
        self.sent: deque[float] = deque()

    def has_room(self) -> bool:
        while self.sent and self.clock() - self.sent[0] >= 60:
            self.sent.popleft()
        return len(self.sent) < self.per_minute

    def record(self) -> None:
        self.sent.append(self.clock())


def deliver_due(webhook: AlertWebhook, backoff: Backoff, throttle: Throttle) -> int:
    """Post due alerts while the throttle has room; the number delivered."""
    delivered = 0
    while (
        throttle.has_room()
        and (alert := claim_next(lease=backoff.lease, model=StaffAlert)) is not None
    ):
        throttle.record()
        try:
            error = post(webhook, alert)
        except Exception as unexpected:  # one odd alert must not stop the others
            logger.exception("staff alert %s could not be posted", alert.id)
            error = type(unexpected).__name__
        if error:
            mark_retry(alert, error, backoff)
            logger.warning("staff alert %s not delivered (%s); will retry", alert.id, error)
        else:
            mark_delivered(alert)
            delivered += 1
            logger.info("staff alert %s delivered", alert.id)
    return delivered


def run_worker(
    webhook: AlertWebhook | None,
    backoff: Backoff,
    throttle: Throttle,
    poll_seconds: float = 5.0,
    stop: threading.Event | None = None,
) -> None:
    """Post due alerts every ``poll_seconds`` until ``stop`` is set; never gives up."""
    stop = stop or threading.Event()
    if webhook is None:
        logger.warning("STAFF_ALERT_WEBHOOK_URL is not set: staff alerts wait in the outbox.")
        stop.wait()
        return
    while not stop.is_set():
        try:
            deliver_due(webhook, backoff, throttle)
        except DatabaseError as error:  # database briefly away: try again next round
            logger.error("staff alert outbox unavailable: %s", type(error).__name__)
        except Exception:  # this thread must not die quietly while the referrals carry on
            logger.exception("staff alert round failed; trying again next round")
        stop.wait(poll_seconds)
