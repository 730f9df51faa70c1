"""Celery tasks of outreach, in two modules so that a service can enqueue a task by reference
without the two importing each other: `sending` (one message, the retry sweep, SMS receipts;
called by the planning services) and `planning` (announcements and the reminder scan, which call
those services). Both are imported in OutreachConfig.ready, so every process registers them."""
