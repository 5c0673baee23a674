"""The get_task slice — GET /api/tasks/{id}: one of the caller's tasks."""
