"""Demos per feature: each slice's `demo.json` walked against a running API, step by step.

`python -m tools.demo` (or `make demo`) starts a throwaway server and walks every slice in the order a person
would; `--slice NAME` runs one, `--base-url URL` a deployed server. Every response is checked against what the
demo expects, so the demos are tests too. docs/demos.md describes the file format.

Modules, one job each: `spec` (the file format), `catalog` (finding, loading and ordering demo files),
`placeholders` and `body_paths` (filling `{names}` in, reading `user.email` out), `expectations` (judging a
response), `setups` (what a demo can ask for), `runner` (sending steps with httpx), `render` and `report`
(printing), `server_settings` and `server` (the throwaway server).
"""
