// The Todo API from a frontend, typed end to end: copy this file and schema.d.ts (`make client`) into your app.
//
//   const api = createTodoApi({
//     baseUrl: process.env.NEXT_PUBLIC_API_URL ?? "http://127.0.0.1:8000",
//     getToken: async () => (await authClient.token()).data?.token,   // Better Auth's jwt() plugin
//   });
//   const task = await api.createTask({ title: "Buy milk" });         // a Task, or it throws an ApiError
//   await api.updateTask(task.id, { title: "Buy oat milk" }, { etag: task.etag });   // 412 if changed since
//   await api.createTask({ title: "Buy milk" }, { idempotencyKey });   // a retry with this key makes no second
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
export type Task = Schemas["TaskPublic"];
export type TaskCreate = Schemas["TaskCreate"];
export type TaskUpdate = Schemas["TaskUpdate"];
export type AccountCreate = Schemas["AccountCreate"];
export type AccountSignIn = Schemas["AccountSignIn"];
export type AuthSession = Schemas["AuthSession"];
export type ListTasksQuery = NonNullable<paths["/api/tasks"]["get"]["parameters"]["query"]>;

/** A task as one answer held it: `etag` is that answer's `ETag`, the version to send back as `If-Match`;
 *  `replayed` is true when the answer is the kept one of an earlier request with the same `Idempotency-Key`. */
export type VersionedTask = Task & { etag: string; replayed: boolean };

/** Every error body: `detail` and `message`, one human line; a 422's `detail` lists the fields it refused, and a
 *  412's `task` is the task as it is now. */
export type ErrorBody = Schemas["ErrorMessage"] | Schemas["ValidationErrorMessage"] | Schemas["TaskChangedMessage"];

/** One page of the list: `total` matches the filter whatever the page (`X-Total-Count`); `next` and `prev` are
 *  the neighbouring pages' URLs (`Link`), present when that page exists. */
export interface TaskPage {
  tasks: Task[];
  total: number;
  next?: string;
  prev?: string;
}

/** `etag`: change the task only if it is still at this version (`If-Match`); without it the last write wins. */
export interface WriteOptions {
  etag?: string;
}

/** `idempotencyKey`: one per user action (`crypto.randomUUID()`), sent again unchanged with every retry of that
 *  action, so a retry whose first answer was lost runs nothing twice. */
export interface RetryOptions {
  idempotencyKey?: string;
}

/** A token, or nothing when signed out; called before every request, so it may refresh one first. */
export type TokenGetter = () => string | null | undefined | Promise<string | null | undefined>;

/** Any answer outside 2xx, with its body as the API documents it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    /** The answer's `ETag`, when it has one: a 412's is the current task's. */
    readonly etag?: string,
  ) {
    super(body.message);
    this.name = "ApiError";
  }

  /** A 412's task as it is now, someone else's change included; nothing of this request was written. */
  get currentTask(): VersionedTask | undefined {
    if (this.status !== 412 || !("task" in this.body) || this.etag === undefined) return undefined;
    return { ...this.body.task, etag: this.etag, replayed: false };
  }

  /** The fields a 422 refused, by name: `{ title: "String should have at least 1 character" }`. */
  get fieldErrors(): Record<string, string> {
    if (!Array.isArray(this.body.detail)) return {};
    return Object.fromEntries(this.body.detail.map((error) => [String(error.loc.at(-1)), error.msg]));
  }
}

// `error` is whatever error bodies the operation declares; an operation declaring another shape fails to compile
// here. A body that is not JSON (a proxy's HTML page) arrives as text.
function unwrap<T>({ data, error, response }: { data?: T; error?: ErrorBody | string; response: Response }): T {
  if (response.ok) return data as T;
  const message = typeof error === "string" && error ? error : response.statusText;
  const body = typeof error === "object" ? error : { detail: message, message };
  throw new ApiError(response.status, body, response.headers.get("ETag") ?? undefined);
}

/** One task and the version its answer named. */
function versioned(answer: { data?: Task; error?: ErrorBody | string; response: Response }): VersionedTask {
  const headers = answer.response.headers;
  const replayed = headers.get("Idempotent-Replayed") === "true";
  return { ...unwrap(answer), etag: headers.get("ETag") ?? "", replayed };
}

/** `<url>; rel="next", <url>; rel="prev"` → { next: url, prev: url }. */
function links(header: string | null): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of (header ?? "").matchAll(/<([^>]*)>\s*;\s*rel="([^"]+)"/g)) {
    if (match[1] !== undefined && match[2] !== undefined) found[match[2]] = match[1];
  }
  return found;
}

function ifMatch({ etag }: WriteOptions): { "If-Match"?: string } {
  return etag === undefined ? {} : { "If-Match": etag };
}

function idempotencyKey({ idempotencyKey }: RetryOptions): { "Idempotency-Key"?: string } {
  return idempotencyKey === undefined ? {} : { "Idempotency-Key": idempotencyKey };
}

export function createTodoApi({ baseUrl, getToken }: { baseUrl: string; getToken: TokenGetter }) {
  const client = createClient<paths>({ baseUrl });
  client.use({
    async onRequest({ request }) {
      const token = await getToken();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  });
  const path = (taskId: string) => ({ task_id: taskId });
  const task = (taskId: string) => ({ params: { path: path(taskId) } });
  const written = (taskId: string, options: WriteOptions) => ({
    params: { path: path(taskId), header: ifMatch(options) },
  });

  return {
    signUp: async (body: AccountCreate): Promise<AuthSession> =>
      unwrap(await client.POST("/api/auth/signup", { body })),
    signIn: async (body: AccountSignIn): Promise<AuthSession> =>
      unwrap(await client.POST("/api/auth/signin", { body })),
    /** Ends this sign-in only; the access token is 401 from now on. */
    signOut: async (): Promise<void> => {
      unwrap(await client.POST("/api/auth/signout", {}));
    },
    listTasks: async (query: ListTasksQuery = {}): Promise<Task[]> =>
      unwrap(await client.GET("/api/tasks", { params: { query } })),
    /** The list as pages: pass `limit` (and `offset`), and show "page 2 of 5" from `total`. */
    listTaskPage: async (query: ListTasksQuery): Promise<TaskPage> => {
      const answer = await client.GET("/api/tasks", { params: { query } });
      const tasks = unwrap(answer);
      const { next, prev } = links(answer.response.headers.get("Link"));
      return { tasks, total: Number(answer.response.headers.get("X-Total-Count")), next, prev };
    },
    createTask: async (body: TaskCreate, options: RetryOptions = {}): Promise<VersionedTask> =>
      versioned(await client.POST("/api/tasks", { params: { header: idempotencyKey(options) }, body })),
    getTask: async (taskId: string): Promise<VersionedTask> =>
      versioned(await client.GET("/api/tasks/{task_id}", task(taskId))),
    /** The task again if it changed since `held` was read; `held` itself while it is current (a 304, no body). */
    refreshTask: async (held: VersionedTask): Promise<VersionedTask> => {
      const header = { "If-None-Match": held.etag };
      const answer = await client.GET("/api/tasks/{task_id}", { params: { path: path(held.id), header } });
      return answer.response.status === 304 ? held : versioned(answer);
    },
    /** PATCH: only the fields given change; with `etag`, only while the task is at that version (else a 412). */
    updateTask: async (taskId: string, body: TaskUpdate, options: WriteOptions = {}): Promise<VersionedTask> =>
      versioned(await client.PATCH("/api/tasks/{task_id}", { ...written(taskId, options), body })),
    /** PUT: the same rules as PATCH here (fields left out stay as they are). */
    replaceTask: async (taskId: string, body: TaskUpdate, options: WriteOptions = {}): Promise<VersionedTask> =>
      versioned(await client.PUT("/api/tasks/{task_id}", { ...written(taskId, options), body })),
    /** Flips `completed`; with `idempotencyKey`, a retry flips it once in all. */
    toggleTask: async (taskId: string, options: WriteOptions & RetryOptions = {}): Promise<VersionedTask> => {
      const header = { ...ifMatch(options), ...idempotencyKey(options) };
      return versioned(await client.PATCH("/api/tasks/{task_id}/toggle", { params: { path: path(taskId), header } }));
    },
    deleteTask: async (taskId: string, options: WriteOptions = {}): Promise<void> => {
      unwrap(await client.DELETE("/api/tasks/{task_id}", written(taskId, options)));
    },
  };
}

export type TodoApi = ReturnType<typeof createTodoApi>;
