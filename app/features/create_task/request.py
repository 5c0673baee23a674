"""What POST /api/tasks accepts."""

from pydantic import BaseModel, ConfigDict, StrictBool

from app.shared.for_slices import TaskDescription, TaskTitle


class TaskCreate(BaseModel):
    # `id` and `user_id` in a body are ignored: the id is ours to make, the owner comes from the token.
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"title": "Buy milk", "description": "2 litres, oat", "completed": False}]},
    )

    title: TaskTitle
    description: TaskDescription = None
    completed: StrictBool = False
