"""A page on http://localhost:3000 drives the API with fetch and a bearer token, as the frontend will (issue 12,
item 4); a page from an origin the API does not list gets nothing past CORS."""

from urllib.parse import urlsplit

import pytest

from tests.browser.harness import Browser, StaticSite
from tests.resilience.components import UvicornProcess

pytestmark = pytest.mark.slow

STEPS = {
    "signup": 201,
    "create": 201,
    "list": 200,
    "toggle": 200,
    "update": 200,
    "delete": 204,
    "listAfterDelete": 200,
    "emptyTitle": 422,
    "noToken": 401,
}


def test_a_page_on_the_frontend_origin_walks_the_task_life_cycle(
    browser: Browser, api_server: UvicornProcess, frontend: StaticSite
) -> None:
    visit = browser.open(frontend.url("walk.html", api=api_server.base_url), result_selector="#result")
    assert visit.ok, visit.diagnosis()
    steps = visit.result
    assert "error" not in steps, steps.get("error")
    assert {name: step["status"] for name, step in steps.items()} == STEPS

    created = steps["create"]["body"]
    assert (created["title"], created["description"], created["completed"]) == (
        "Buy milk 🥛",
        "from a real browser",
        False,
    )
    assert created["user_id"] == steps["signup"]["body"]["user"]["id"]
    # Location and X-Request-ID reach the script only because the API exposes them to CORS.
    assert steps["create"]["location"] == f"/api/tasks/{created['id']}"
    assert all(step["requestId"] for step in steps.values())
    assert [task["id"] for task in steps["list"]["body"]] == [created["id"]]
    assert steps["toggle"]["body"]["completed"] is True
    assert (steps["update"]["body"]["title"], steps["update"]["body"]["completed"]) == ("Buy oat milk", True)
    assert steps["delete"]["body"] is None
    assert steps["listAfterDelete"]["body"] == []

    # The error bodies are readable from the page: FastAPI's list for a 422, a message for a 401.
    [problem] = steps["emptyTitle"]["body"]["detail"]
    assert problem["loc"][-1] == "title"
    assert problem["msg"]
    assert isinstance(steps["noToken"]["body"]["detail"], str)

    assert visit.requests_outside(frontend.origin, api_server.base_url) == []
    assert visit.page_errors == [], visit.diagnosis()
    api_calls = [r for r in visit.requests if r["url"].startswith(f"{api_server.base_url}/")]
    assert [urlsplit(r["url"]).path.split("/")[2] for r in api_calls] == ["auth"] + ["tasks"] * (len(STEPS) - 1)
    # A bearer token or a JSON body makes a call non-simple: the walk went through CORS preflights, not around.
    preflights = [r for r in visit.cdp_requests if r["method"] == "OPTIONS"]
    assert preflights
    assert all(r["url"].startswith(f"{api_server.base_url}/api/") for r in preflights)


def test_a_page_from_another_origin_is_refused_by_cors(
    browser: Browser, api_server: UvicornProcess, frontend: StaticSite, other_site: StaticSite
) -> None:
    refused = browser.open(other_site.url("cors.html", api=api_server.base_url), result_selector="#result")
    assert refused.ok, refused.diagnosis()
    assert refused.result["origin"] == other_site.origin
    for probe in ("withBearer", "simple"):
        outcome = refused.result[probe]
        # What a page sees of a CORS refusal: a TypeError, no status, no body.
        assert (outcome["ok"], outcome["name"]) == (False, "TypeError"), outcome
        assert "status" not in outcome
    assert any("CORS policy" in line for line in refused.console_errors), refused.console_errors

    # The same page from the listed origin gets answers, so the refusal above is CORS and nothing else.
    allowed = browser.open(frontend.url("cors.html", api=api_server.base_url), result_selector="#result")
    assert allowed.ok, allowed.diagnosis()
    assert allowed.result == {
        "origin": frontend.origin,
        "withBearer": {"ok": True, "status": 401},
        "simple": {"ok": True, "status": 200},
    }
