import httpx
from fastapi import FastAPI, Request

from smile_common.errors import install_problem_handlers
from smile_common.limits import BodySizeLimitMiddleware


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/imports")
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.post("/courses")
    async def create(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app.add_middleware(BodySizeLimitMiddleware, max_bytes=1024, overrides={"/imports": 10_000})
    return app


async def test_an_override_raises_the_limit_of_its_paths_only() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post("/imports", content=b"x" * 5000)).json() == {"size": 5000}
        too_big = await client.post("/imports", content=b"x" * 20_000)
        assert too_big.status_code == 413
        assert (await client.post("/courses", content=b"x" * 5000)).status_code == 413


async def test_overrides_apply_inside_a_mounted_app() -> None:
    outer = FastAPI()
    outer.mount("/catalogue", _app())
    transport = httpx.ASGITransport(app=outer)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post("/catalogue/imports", content=b"x" * 5000)).status_code == 200
        assert (await client.post("/catalogue/courses", content=b"x" * 5000)).status_code == 413
