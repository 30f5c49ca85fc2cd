"""The outbox: side effects (e-mails) written in the transaction that causes them, delivered by
the job worker (``shop/jobs.py``) with retries, each exactly once."""
