"""The body of a plain answer (`{"detail": "…"}`) and of an error (`detail` and a human `message`)."""

from pydantic import BaseModel, ConfigDict


class Message(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {"detail": "Signed out"}})

    detail: str


class ErrorMessage(Message):
    """What every error answers: `detail` for programs, and `message` for clients that show a `message` field."""

    model_config = ConfigDict(json_schema_extra={"example": {"detail": "Task not found", "message": "Task not found"}})

    message: str
