"""A dispatcher in its own process, for the crash test: `python dispatch_worker.py DB_URL WEBHOOK_URL SECRET LEASE`.

The test kills it (SIGKILL) while a webhook request is in flight, i.e. after sending and before
recording; nothing here cooperates with the kill.
"""
import sys

from tidewatch.refer.channels.webhook import WebhookChannel
from tidewatch.refer.dispatch import Dispatcher
from tidewatch.store.db import make_engine


def main() -> None:
    db_url, url, secret, lease = sys.argv[1:5]
    engine = make_engine(db_url)
    channel = WebhookChannel(url, secret, timeout=30)
    d = Dispatcher(engine, lambda platform, name: channel, max_attempts=50, base_delay=0, max_delay=0,
                   lease=float(lease), worker="doomed-worker")
    d.run_once()
    print("finished without being killed", flush=True)


if __name__ == "__main__":
    main()
