"""The OpenAPI document: its structure read against the routes, its examples against real answers, and both linters."""
