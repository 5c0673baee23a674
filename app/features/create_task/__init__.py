"""The create_task slice — POST /api/tasks: a task created for the caller."""
