"""`python -m tools.client` (`make client`): writes client/openapi.json, then client/src/schema.d.ts from it.

node_modules are installed with `npm ci` first when npm's own record of them (node_modules/.package-lock.json)
is missing or older than client/package-lock.json. Exit status 1 when Node, npm or openapi-typescript fails.
"""

import shutil
import subprocess
import sys

from tools.client import CLIENT_DIR, OPENAPI_FILE, SCHEMA_FILE, openapi_text, schema_types

INSTALLED_RECORD = CLIENT_DIR / "node_modules" / ".package-lock.json"
LOCK_FILE = CLIENT_DIR / "package-lock.json"
NPM_CI_TIMEOUT_SECONDS = 300


def main() -> int:
    OPENAPI_FILE.write_text(openapi_text(), encoding="utf-8")
    print(f"wrote {OPENAPI_FILE.relative_to(CLIENT_DIR.parent)}")
    npm, npx = shutil.which("npm"), shutil.which("npx")
    if npm is None or npx is None:
        print("client: npm and npx are needed for the TypeScript types (install Node.js 20 or newer)", file=sys.stderr)
        return 1
    try:
        if not INSTALLED_RECORD.is_file() or INSTALLED_RECORD.stat().st_mtime < LOCK_FILE.stat().st_mtime:
            command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
            subprocess.run(command, cwd=CLIENT_DIR, check=True, timeout=NPM_CI_TIMEOUT_SECONDS)  # noqa: S603
        SCHEMA_FILE.write_text(schema_types(npx), encoding="utf-8")
    except (subprocess.SubprocessError, RuntimeError) as error:
        print(f"client: {error}", file=sys.stderr)
        return 1
    print(f"wrote {SCHEMA_FILE.relative_to(CLIENT_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
