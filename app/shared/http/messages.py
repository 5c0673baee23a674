"""The body of a plain answer or error: `{"detail": "…"}`."""

from pydantic import BaseModel, ConfigDict


class Message(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {"detail": "Task not found"}})

    detail: str
