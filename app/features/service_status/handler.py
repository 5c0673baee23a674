"""Service status: what the service is, and whether it can serve data right now."""

from pydantic import BaseModel

from app.features.service_status.query import database_answers
from app.shared.database import Session
from app.shared.errors import ServiceUnavailableError


class ServiceInfo(BaseModel):
    name: str
    version: str
    docs: str


class Status(BaseModel):
    status: str


def describe_service(*, name: str, version: str, docs_url: str | None) -> ServiceInfo:
    return ServiceInfo(name=name, version=version, docs=docs_url or "")


async def check_readiness(*, session: Session) -> Status:
    if not await database_answers(session=session):
        raise ServiceUnavailableError("Database did not answer")
    return Status(status="ready")
