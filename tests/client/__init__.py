"""The typed TypeScript client in client/: it compiles, runs against a live server, and matches the API."""
