"""`python -m app.serving` (what `make serve` runs): the service as deployed. See app/serving/server.py."""

from app.serving.server import serve

# Guarded: the workers are spawned, so they import this module again (as __mp_main__) and must not serve.
if __name__ == "__main__":
    serve()
