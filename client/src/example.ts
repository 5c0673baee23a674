// The whole flow through api.ts against a running API, printed as one JSON report; exit status 1 if a step failed.
//
//   npm run example -- http://127.0.0.1:8000        (or TODO_API_URL=… npm run example)
import { ApiError, createTodoApi, type Task } from "./api.js";

interface Step {
  step: string;
  ok: boolean;
  seen: unknown;
}

const baseUrl = process.argv[2] ?? process.env.TODO_API_URL ?? "http://127.0.0.1:8000";
let token: string | undefined;
const api = createTodoApi({ baseUrl, getToken: () => token });
const steps: Step[] = [];

/** What the report shows of an answer: tokens are left out, an ApiError is its status and message. */
function shown(value: unknown): unknown {
  if (value instanceof ApiError) return { status: value.status, message: value.message };
  if (value instanceof Error) return String(value);
  const isSession = typeof value === "object" && value !== null && "access_token" in value && "user" in value;
  if (isSession) return { user: value.user };
  return value;
}

async function step<T>(name: string, run: () => Promise<T>, holds: (value: T) => boolean): Promise<T> {
  try {
    const value = await run();
    steps.push({ step: name, ok: holds(value), seen: shown(value) });
    return value;
  } catch (error) {
    steps.push({ step: name, ok: false, seen: shown(error) });
    throw error;
  }
}

/** A step that must fail with this status: the typed error is the result. */
async function refused(name: string, status: number, run: () => Promise<unknown>): Promise<ApiError | undefined> {
  return step(
    name,
    async () => {
      try {
        await run();
        return undefined;
      } catch (error) {
        if (error instanceof ApiError) return error;
        throw error;
      }
    },
    (error) => error?.status === status,
  );
}

async function main(): Promise<void> {
  const email = `example-${crypto.randomUUID()}@example.com`;
  const password = "correct horse battery";
  await step("signUp", () => api.signUp({ email, password, name: "Example" }), (made) => made.user.email === email);
  const session = await step("signIn", () => api.signIn({ email, password }), (signedIn) => !!signedIn.access_token);
  token = session.access_token;

  // One key for the one action "add this task": the retry below is what a client sends when an answer is lost.
  const idempotencyKey = crypto.randomUUID();
  const draft = { title: "Buy milk", description: "2 litres, oat" };
  const created = await step(
    "createTask",
    () => api.createTask(draft, { idempotencyKey }),
    (task) => task.title === "Buy milk" && !task.completed && !task.replayed,
  );
  const same = (task: Task) => task.id === created.id;
  await step(
    "createTask retried",
    () => api.createTask(draft, { idempotencyKey }),
    (task) => same(task) && task.replayed && task.etag === created.etag,
  );
  await step("listTasks", () => api.listTasks({ status: "pending" }), (tasks) => tasks.filter(same).length === 1);
  await step(
    "listTaskPage",
    () => api.listTaskPage({ limit: 1, offset: 1 }),
    (page) => page.total === 1 && page.tasks.length === 0 && page.next === undefined && page.prev !== undefined,
  );
  const flip = { etag: created.etag, idempotencyKey: crypto.randomUUID() };
  const toggled = await step(
    "toggleTask",
    () => api.toggleTask(created.id, flip),
    (task) => same(task) && task.completed && task.etag !== created.etag,
  );
  await step(
    "toggleTask retried",
    () => api.toggleTask(created.id, flip),
    (task) => task.replayed && task.completed && task.etag === toggled.etag,
  );
  const renamed = (task: Task) => task.title === "Buy oat milk";
  const updated = await step(
    "updateTask",
    () => api.updateTask(created.id, { title: "Buy oat milk" }, { etag: toggled.etag }),
    renamed,
  );
  // Another tab still holds the toggled copy: its edit names that version, and is refused with the current task.
  const conflict = await refused("updateTask on a stale version", 412, () =>
    api.updateTask(created.id, { title: "Buy rice milk" }, { etag: toggled.etag }),
  );
  const current = conflict?.currentTask;
  steps.push({
    step: "currentTask",
    ok: current !== undefined && renamed(current) && current.etag === updated.etag,
    seen: current,
  });
  const cleared = (task: Task) => task.description === null;
  const replaced = await step(
    "replaceTask",
    () => api.replaceTask(created.id, { description: null }, { etag: updated.etag }),
    cleared,
  );
  await step("refreshTask while unchanged", () => api.refreshTask(replaced), (task) => task === replaced);
  await step("getTask", () => api.getTask(created.id), (task) => renamed(task) && task.etag === replaced.etag);
  const invalid = await refused("createTask refused", 422, () => api.createTask({ title: "" }));
  steps.push({ step: "fieldErrors", ok: "title" in (invalid?.fieldErrors ?? {}), seen: invalid?.fieldErrors });
  await step("deleteTask", () => api.deleteTask(created.id, { etag: replaced.etag }), () => true);
  await refused("getTask after delete", 404, () => api.getTask(created.id));
  await step("signOut", () => api.signOut(), () => true);
  await refused("listTasks after signOut", 401, () => api.listTasks());
}

let crashed: unknown;
try {
  await main();
} catch (error) {
  crashed = error;
}
const ok = crashed === undefined && steps.every((done) => done.ok);
console.log(JSON.stringify({ baseUrl, ok, steps }, null, 2));
process.exitCode = ok ? 0 : 1;
