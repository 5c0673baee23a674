"""The update_task slice — PUT|PATCH /api/tasks/{id}: the fields given changed, the others kept."""
