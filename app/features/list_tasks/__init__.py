"""The list_tasks slice — GET /api/tasks: the caller's tasks, filtered, sorted and paged."""
