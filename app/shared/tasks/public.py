"""A task as every task route shows it: the keys and order of `TASK_COLUMNS`, which the rows are read as."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class TaskPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                "id": "3f2c9a0e-8f7b-4a55-9a53-0c6f1f0d2b1e",
                "title": "Buy milk",
                "description": "2 litres, oat",
                "completed": False,
                "is_completed": False,
                "created_at": "2026-01-11T09:30:00.123456Z",
                "updated_at": "2026-01-11T09:30:00.123456Z",
                "user_id": "0b6a8d4e-5c1f-4e8e-9d7a-2f0c3b4a5d6e",
            }
        },
    )

    id: UUID
    title: str
    description: str | None
    completed: bool
    is_completed: bool = Field(description="always equal to `completed`, for frontends that read this name")
    created_at: datetime
    updated_at: datetime
    user_id: str
