"""What PUT|PATCH /api/tasks/{id} accepts."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from app.shared.for_slices import COMPLETED_KEYS, TaskDescription, TaskTitle, reject_conflicting_completed

EDITABLE_FIELDS = frozenset({"title", "description", "completed"})


class TaskUpdate(BaseModel):
    """Fields left out stay as they are; `description: null` clears it; `title: null` is refused.

    `is_completed` is accepted for `completed`.
    """

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"title": "Buy oat milk"}, {"description": "1 litre", "completed": True}]},
    )

    title: TaskTitle | None = None
    description: TaskDescription = None
    completed: StrictBool | None = Field(default=None, validation_alias=COMPLETED_KEYS)

    @model_validator(mode="before")
    @classmethod
    def one_completed(cls, data: Any) -> Any:
        return reject_conflicting_completed(data)

    @field_validator("title", "completed")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        # Runs only for fields the client sent, so an explicit null is told apart from "left out".
        if value is None:
            raise ValueError("may not be null")
        return value

    @model_validator(mode="after")
    def changes_something(self) -> "TaskUpdate":
        if not self.model_fields_set & EDITABLE_FIELDS:
            raise ValueError("give at least one of: title, description, completed")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=set(self.model_fields_set & EDITABLE_FIELDS))
