"""The HTTP room: the FastAPI dependencies, the current user, errors mapped to answers, middleware, start-up, and
the discovery that mounts every slice.
"""
