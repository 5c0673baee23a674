// A real Better Auth server for the tests in tests/better_auth: the frontend half of a deployment, without the
// frontend. It listens on 127.0.0.1 only and keeps everything in memory, so each start is a fresh database.
//
// Environment:
//   PORT                 port on 127.0.0.1 (required); the base URL is http://127.0.0.1:PORT
//   BETTER_AUTH_SECRET   the secret our API shares with Better Auth (required, at least 32 characters)
//   JWT_ALG              the jwt() plugin's key algorithm: EdDSA (default), ES256, ES512, RS256 or PS256
//
// Besides Better Auth's own routes under /api/auth, one route of ours, for the tests only:
//   POST /test-admin/rotate-jwks[?retire=1]  mints a new signing key through the jwt() plugin's own createJwk, so
//        the next token carries a new kid; retire=1 also deletes the older keys, so they leave the JWKS.
import { createServer } from "node:http";

import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { bearer, jwt } from "better-auth/plugins";
import { createJwk } from "better-auth/plugins/jwt";

// The options each algorithm needs (the plugin's JWKOptions); RSA at 2048 bits keeps key generation quick.
const KEY_PAIR_CONFIGS = {
  EdDSA: { alg: "EdDSA", crv: "Ed25519" },
  ES256: { alg: "ES256" },
  ES512: { alg: "ES512" },
  RS256: { alg: "RS256", modulusLength: 2048 },
  PS256: { alg: "PS256", modulusLength: 2048 },
};
// Every model Better Auth and its jwt() plugin use: the memory adapter refuses a model it has no array for.
const MODELS = ["user", "session", "account", "verification", "jwks"];
const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`server.mjs: ${name} is required`);
    process.exit(2);
  }
  return value;
}

const port = Number(required("PORT"));
const secret = required("BETTER_AUTH_SECRET");
const algorithm = process.env.JWT_ALG || "EdDSA";
if (!(algorithm in KEY_PAIR_CONFIGS)) {
  console.error(`server.mjs: JWT_ALG must be one of ${Object.keys(KEY_PAIR_CONFIGS).join(", ")}`);
  process.exit(2);
}
const baseURL = `http://127.0.0.1:${port}`;

const jwtOptions = { jwks: { keyPairConfig: KEY_PAIR_CONFIGS[algorithm] } };
const auth = betterAuth({
  baseURL,
  secret,
  database: memoryAdapter(Object.fromEntries(MODELS.map((model) => [model, []]))),
  emailAndPassword: { enabled: true },
  // strategy "jwt" without jwt({ sessionCookieCache: true }): the cookie is signed HS256 with the shared secret.
  session: { cookieCache: { enabled: true, strategy: "jwt" } },
  plugins: [jwt(jwtOptions), bearer()],
  // Tests sign up many users from one address, and nothing here may call out of the machine.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
});
const authHandler = toNodeHandler(auth);

async function rotateSigningKey(retireOld) {
  const context = await auth.$context;
  // createJwk stores the key through the plugin's adapter; signing picks the newest live key of the algorithm.
  const key = await createJwk({ context }, jwtOptions);
  if (retireOld) {
    await context.adapter.deleteMany({ model: "jwks", where: [{ field: "id", operator: "ne", value: key.id }] });
  }
  const keys = await context.adapter.findMany({ model: "jwks" });
  return { kid: key.id, alg: key.alg, kids: keys.map((row) => row.id) };
}

function sendJson(response, status, body) {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

async function handleAdmin(request, response, url) {
  // Listening on 127.0.0.1 already keeps others out; the check makes the intent explicit should that change.
  if (!LOOPBACK.has(request.socket.remoteAddress)) return sendJson(response, 403, { error: "loopback only" });
  if (request.method !== "POST" || url.pathname !== "/test-admin/rotate-jwks") {
    return sendJson(response, 404, { error: "not found" });
  }
  sendJson(response, 200, await rotateSigningKey(url.searchParams.get("retire") === "1"));
}

const server = createServer((request, response) => {
  const url = new URL(request.url, baseURL);
  if (url.pathname.startsWith("/test-admin/")) {
    handleAdmin(request, response, url).catch((error) => {
      console.error(error);
      sendJson(response, 500, { error: String(error) });
    });
    return;
  }
  authHandler(request, response);
});

server.listen(port, "127.0.0.1", () => {
  console.log(JSON.stringify({ listening: baseURL, algorithm }));
});
// The harness ends the process with SIGTERM; close the socket so the port is free at once.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
