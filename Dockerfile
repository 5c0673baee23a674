# The API as a container: `python -m app.serving` (docs/deployment.md) as a non-root user, configured only through
# the environment. Two stages: the first installs the pinned runtime dependencies into a virtual environment; the
# last holds that environment and the app's source, and nothing that built them (no pip in the venv, no dev tools).
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /build
COPY pyproject.toml ./
# The runtime dependencies only, read from pyproject.toml: the app itself runs from its source folder (it finds
# alembic.ini and migrations/ beside app/), so it is not installed as a package.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --requirement requirements.txt \
    && /opt/venv/bin/pip uninstall --yes pip setuptools


FROM python:3.11-slim

# One fixed, unprivileged account; files it may not change stay root's.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-log-init --home-dir /srv/todo-api --shell /usr/sbin/nologin app \
    && mkdir /data \
    && chown app:app /data

COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/todo-api
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app

# Defaults for a container; every one can be overridden with -e. BETTER_AUTH_SECRET has none on purpose: without
# it the app refuses to start. The embedded SQLite file lives on the /data volume so it outlives the container.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite+aiosqlite:////data/todo.db

VOLUME ["/data"]
# Numeric, so that a platform can tell it is not root without reading /etc/passwd (Kubernetes runAsNonRoot).
USER 10001:10001
EXPOSE 8000

# Ready, not merely alive: the schema is at head and the database answers. Python's urllib, so no curl is needed.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-m", "app.serving.probe"]

CMD ["python", "-m", "app.serving"]
