"""The idempotency room: `Idempotency-Key`s kept in the database, so a retried request runs once across workers."""
