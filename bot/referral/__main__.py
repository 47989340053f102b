"""python -m bot.referral deliver: the worker that posts referrals from the outbox.

Run by honcho (Procfile). Options: --once (deliver what is due, then exit),
--poll, --retry-base, --retry-cap and --lease, in seconds.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from datetime import timedelta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.referral")
    commands = parser.add_subparsers(dest="command", required=True)
    deliver = commands.add_parser("deliver", help="post pending referrals to REFERRAL_WEBHOOK_URL")
    deliver.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    deliver.add_argument("--poll", type=float, default=5.0, help="seconds between rounds")
    deliver.add_argument("--retry-base", type=float, default=5.0, help="first retry delay")
    deliver.add_argument("--retry-cap", type=float, default=600.0, help="longest retry delay")
    deliver.add_argument(
        "--lease",
        type=float,
        default=60.0,
        help="seconds before a dead worker's referral is retried",
    )
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from bot.web.standalone import setup_django

    setup_django()
    from bot.referral.delivery import Endpoint, deliver_due, run_worker
    from bot.referral.outbox import Backoff

    endpoint = Endpoint.from_environment()
    backoff = Backoff(args.retry_base, args.retry_cap, timedelta(seconds=args.lease))
    if args.once:
        if endpoint is None:
            print("REFERRAL_WEBHOOK_URL is not set: nothing to deliver to.", file=sys.stderr)
            return 1
        print(f"delivered {deliver_due(endpoint, backoff)}")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_worker(endpoint, backoff, args.poll, stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
