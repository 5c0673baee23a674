#!/bin/sh
# Writes PgBouncer's database line and user list from the environment (no password in the image or in a file of
# the repository), then runs PgBouncer in the foreground with the committed settings (pgbouncer.ini).
set -eu
: "${POSTGRES_HOST:?}" "${POSTGRES_DB:?}" "${POSTGRES_USER:?}" "${POSTGRES_PASSWORD:?}"
runtime="${PGBOUNCER_RUNTIME_DIR:-/run/pgbouncer}"
settings="${PGBOUNCER_SETTINGS:-/etc/pgbouncer/pgbouncer.ini}"
umask 077
printf '"%s" "%s"\n' "$POSTGRES_USER" "$POSTGRES_PASSWORD" > "$runtime/userlist.txt"
# The committed settings are one [pgbouncer] section: what follows them lands in it.
{
  printf '[databases]\n%s = host=%s port=%s dbname=%s\n\n' \
    "$POSTGRES_DB" "$POSTGRES_HOST" "${POSTGRES_PORT:-5432}" "$POSTGRES_DB"
  cat "$settings"
  printf 'listen_port = %s\nauth_file = %s/userlist.txt\n' "${PGBOUNCER_PORT:-6432}" "$runtime"
} > "$runtime/pgbouncer.ini"
exec pgbouncer "$runtime/pgbouncer.ini"
