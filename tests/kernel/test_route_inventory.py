"""Guards built from the app's own routes: a new slice is covered by these without anyone editing a list."""

import httpx
import pytest
from fastapi.routing import APIRoute

from tests.features.test_task_isolation import VERBS as ISOLATION_MATRIX
from tests.inventory import (
    api_routes,
    in_auth_bucket,
    needs_token,
    operations,
    takes_credentials,
)

TOKEN_ROUTES = [(method, path) for method, path, route in operations(api_routes()) if needs_token(route)]
PUBLIC_ROUTES = [route for route in api_routes() if not needs_token(route)]


def concrete(path: str) -> str:
    return path.replace("{task_id}", "3f2c9a0e-8f7b-4a55-9a53-0c6f1f0d2b1e").replace("{user_id}", "someone")


@pytest.mark.parametrize(("method", "path"), TOKEN_ROUTES, ids=lambda value: str(value))
async def test_every_api_route_that_needs_a_token_is_401_without_one(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, concrete(path), json={})
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=lambda route: route.path)
def test_an_api_route_without_a_token_takes_credentials_and_is_in_the_per_ip_bucket(route: APIRoute) -> None:
    # The only /api routes open to anonymous callers are the ones that trade credentials for tokens.
    assert takes_credentials(route), f"{route.path} needs neither a token nor credentials"
    assert in_auth_bucket(route), f"{route.path} takes credentials but is not limited per client address"


def test_every_route_naming_a_task_is_in_the_isolation_matrix() -> None:
    # Any route whose path names a task, whatever its prefix, is a row the isolation tests run.
    naming_a_task = {(method, path) for method, path, _ in operations(api_routes()) if "{task_id}" in path}
    assert naming_a_task == {(verb, path) for verb, path, _ in ISOLATION_MATRIX}
    # The inventory itself found the routes: get, put, patch, toggle, complete, delete, under both prefixes.
    assert len(naming_a_task) >= 12
