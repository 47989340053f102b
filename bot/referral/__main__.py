"""python -m bot.referral deliver: the worker that posts referrals and staff alerts.

Run by honcho (Procfile). Referrals go to REFERRAL_WEBHOOK_URL and staff alerts
(bot.safety.alerts) to STAFF_ALERT_WEBHOOK_URL, each from its own outbox on its
own thread, so a slow intake endpoint never delays an alert. Options: --once
(deliver what is due, then exit), --poll, --retry-base, --retry-cap and --lease,
in seconds, for both; --alerts-per-minute caps staff alert posts.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from datetime import timedelta

from bot import django_setup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.referral")
    commands = parser.add_subparsers(dest="command", required=True)
    deliver = commands.add_parser(
        "deliver",
        help="post pending referrals to REFERRAL_WEBHOOK_URL "
        "and staff alerts to STAFF_ALERT_WEBHOOK_URL",
    )
    deliver.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    deliver.add_argument("--poll", type=float, default=5.0, help="seconds between rounds")
    deliver.add_argument("--retry-base", type=float, default=5.0, help="first retry delay")
    deliver.add_argument("--retry-cap", type=float, default=600.0, help="longest retry delay")
    deliver.add_argument(
        "--lease",
        type=float,
        default=60.0,
        help="seconds before a dead worker's referral or alert is retried",
    )
    deliver.add_argument(
        "--alerts-per-minute",
        type=int,
        default=None,
        help="most staff alert posts a minute (default: bot.safety.alerts.ALERTS_PER_MINUTE)",
    )
    args = parser.parse_args(argv)
    if args.alerts_per_minute is not None and args.alerts_per_minute < 1:
        parser.error("--alerts-per-minute must be 1 or more")

    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    django_setup.setup()
    # These import Django models, so only once Django is set up.
    from bot.referral.delivery import Endpoint, deliver_due, run_worker
    from bot.referral.outbox import Backoff
    from bot.safety import alerts

    endpoint = Endpoint.from_environment()
    webhook = alerts.AlertWebhook.from_environment()
    backoff = Backoff(args.retry_base, args.retry_cap, timedelta(seconds=args.lease))
    throttle = alerts.Throttle(args.alerts_per_minute or alerts.ALERTS_PER_MINUTE)
    if args.once:
        if endpoint is None and webhook is None:
            print(
                "Neither REFERRAL_WEBHOOK_URL nor STAFF_ALERT_WEBHOOK_URL is set: "
                "nothing to deliver to.",
                file=sys.stderr,
            )
            return 1
        referrals = deliver_due(endpoint, backoff) if endpoint else 0
        staff_alerts = alerts.deliver_due(webhook, backoff, throttle) if webhook else 0
        print(f"delivered {referrals} referrals and {staff_alerts} staff alerts")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    alert_worker = threading.Thread(
        target=alerts.run_worker,
        args=(webhook, backoff, throttle, args.poll, stop),
        name="staff-alerts",
    )
    alert_worker.start()
    run_worker(endpoint, backoff, args.poll, stop)
    alert_worker.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
