"""GET /, /health, /health/ready: what the service is and whether it can serve."""

from fastapi import APIRouter, Request

from app.features.service_status.handler import ServiceInfo, Status, handle
from app.shared.for_slices import SessionDep

router = APIRouter(tags=["Service"])


@router.get("/", summary="Service information")
async def service_info(request: Request) -> ServiceInfo:
    """Name, version and where the interactive docs live."""
    return ServiceInfo(name=request.app.title, version=request.app.version, docs=request.app.docs_url or "")


@router.get("/health", summary="Liveness")
async def health() -> Status:
    """200 while the process runs, whatever the database is doing."""
    return Status(status="ok")


@router.get("/health/ready", summary="Readiness")
async def health_ready(session: SessionDep) -> Status:
    """200 when the database answers and the schema is at head, else 503."""
    return await handle(session=session)
