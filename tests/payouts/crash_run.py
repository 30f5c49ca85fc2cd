"""A payout run in a process of its own, each producer's payment slowed down, for the
crash-and-rerun test: ``python -m tests.payouts.crash_run <database URL> <run day> <seconds>``.
Prints how many producers it paid and how many the run had paid before."""

from __future__ import annotations

import sys
import time
from datetime import date

from shop import create_app
from shop.extensions import db
from shop.payouts import services
from tests.conftest import make_config


def main() -> None:
    url, day, pause = sys.argv[1], date.fromisoformat(sys.argv[2]), float(sys.argv[3])

    def slow_pay(run, producer_id, today):
        payout = services.pay_producer(run, producer_id, today)
        time.sleep(pause)  # the provider takes its time; the transaction is still open
        return payout

    app = create_app(make_config(url))
    with app.app_context():
        report = services.run_payouts(day, pay=slow_pay)
        print(len(report.payouts), len(report.already_paid), flush=True)
        db.session.remove()


if __name__ == "__main__":
    main()
