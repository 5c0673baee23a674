"""The delete_task slice — DELETE /api/tasks/{id}: one of the caller's tasks deleted."""
