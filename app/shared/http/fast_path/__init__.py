"""The compiled hot path: each mounted route's FastAPI declarations worked out once, run by direct calls.

FastAPI re-derives on every request what could be derived once: it walks included routers to find the route,
builds two exit stacks, and solves the dependency tree generically. Here, once at start-up, every route is
compiled from its own `Dependant` (the same declarations `/openapi.json` is built from) into a plan of direct
calls, and a route table finds it by method and path. Anything the plan does not cover is served by FastAPI
itself, unchanged (docs/performance.md lists what and why).
"""
