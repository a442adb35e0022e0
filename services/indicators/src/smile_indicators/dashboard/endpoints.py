"""``/dashboard``: the page, and its scripts and styles (served by the service, no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from smile_common.errors import NotFound, problem_responses

__all__ = ["router"]

router = APIRouter(tags=["dashboard"])
_STATIC = Path(__file__).parent / "static"
_ASSETS = {"dashboard.js": "text/javascript", "charts.js": "text/javascript", "dashboard.css": "text/css"}


@router.get("/dashboard", operation_id="getDashboard", response_class=HTMLResponse, include_in_schema=True)
async def dashboard() -> HTMLResponse:
    """The dashboard page for people: key figures, charts with filters, and the crisis roster.

    The page itself holds no data: it asks for a bearer token and reads the figures API with it."""
    return HTMLResponse((_STATIC / "index.html").read_text(encoding="utf-8"))


@router.get(
    "/dashboard-assets/{name}",
    operation_id="getDashboardAsset",
    response_class=FileResponse,
    responses=problem_responses(404),
)
async def dashboard_asset(name: str) -> FileResponse:
    """A script or style sheet of the dashboard page."""
    media_type = _ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"No dashboard asset named {name!r}.")
    return FileResponse(_STATIC / name, media_type=media_type, headers={"Cache-Control": "no-cache"})
