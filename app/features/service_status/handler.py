"""Service status: what the service is, and whether it can serve data right now."""

from pydantic import BaseModel

from app.features.service_status.query import database_answers
from app.shared.for_slices import ServiceUnavailableError, Session


class ServiceInfo(BaseModel):
    name: str
    version: str
    docs: str


class Status(BaseModel):
    status: str


async def handle(*, session: Session) -> Status:
    if not await database_answers(session=session):
        raise ServiceUnavailableError("Database did not answer")
    return Status(status="ready")
