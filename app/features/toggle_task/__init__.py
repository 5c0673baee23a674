"""The toggle_task slice — PATCH /api/tasks/{id}/toggle: a task's `completed` flipped atomically."""
