"""What POST /api/tasks accepts."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from app.shared.for_slices import COMPLETED_KEYS, TaskDescription, TaskTitle, reject_conflicting_completed


class TaskCreate(BaseModel):
    # `id` and `user_id` in a body are ignored: the id is ours to make, the owner comes from the token.
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {"title": "Buy milk"},
                {"title": "Buy milk", "description": "2 litres, oat", "completed": False},
            ]
        },
    )

    title: TaskTitle
    description: TaskDescription = None
    completed: StrictBool = Field(default=False, validation_alias=COMPLETED_KEYS)  # or `is_completed`

    @model_validator(mode="before")
    @classmethod
    def one_completed(cls, data: Any) -> Any:
        return reject_conflicting_completed(data)
