from fastapi import APIRouter, Request

from app.features.service_status.handler import ServiceInfo, Status, check_readiness, describe_service
from app.shared.dependencies import SessionDep

router = APIRouter(tags=["Service"])


@router.get("/", summary="Service information")
async def service_info(request: Request) -> ServiceInfo:
    """Name, version and where the interactive docs live."""
    return describe_service(name=request.app.title, version=request.app.version, docs_url=request.app.docs_url)


@router.get("/health", summary="Liveness")
async def health() -> Status:
    """200 while the process runs, whatever the database is doing."""
    return Status(status="ok")


@router.get("/health/ready", summary="Readiness", responses={503: {"description": "Database unreachable"}})
async def health_ready(session: SessionDep) -> Status:
    """200 when the database answers and the schema is at head, else 503."""
    return await check_readiness(session=session)
