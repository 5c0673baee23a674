// The Todo API from a frontend, typed end to end: copy this file and schema.d.ts (`make client`) into your app.
//
//   const api = createTodoApi({
//     baseUrl: process.env.NEXT_PUBLIC_API_URL ?? "http://127.0.0.1:8000",
//     getToken: async () => (await authClient.token()).data?.token,   // Better Auth's jwt() plugin
//   });
//   const task = await api.createTask({ title: "Buy milk" });         // a Task, or it throws an ApiError
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

/** Every error body: `detail` and `message`, one human line; a 422's `detail` lists the fields it refused. */
export type ErrorBody = Schemas["ErrorMessage"] | Schemas["ValidationErrorMessage"];

/** A token, or nothing when signed out; called before every request, so it may refresh one first. */
export type TokenGetter = () => string | null | undefined | Promise<string | null | undefined>;

/** Any answer outside 2xx, with its body as the API documents it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
    this.name = "ApiError";
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
  throw new ApiError(response.status, typeof error === "object" ? error : { detail: message, message });
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
  const task = (taskId: string) => ({ params: { path: { task_id: taskId } } });

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
    createTask: async (body: TaskCreate): Promise<Task> => unwrap(await client.POST("/api/tasks", { body })),
    getTask: async (taskId: string): Promise<Task> => unwrap(await client.GET("/api/tasks/{task_id}", task(taskId))),
    /** PATCH: only the fields given change. */
    updateTask: async (taskId: string, body: TaskUpdate): Promise<Task> =>
      unwrap(await client.PATCH("/api/tasks/{task_id}", { ...task(taskId), body })),
    /** PUT: the same rules as PATCH here (fields left out stay as they are). */
    replaceTask: async (taskId: string, body: TaskUpdate): Promise<Task> =>
      unwrap(await client.PUT("/api/tasks/{task_id}", { ...task(taskId), body })),
    toggleTask: async (taskId: string): Promise<Task> =>
      unwrap(await client.PATCH("/api/tasks/{task_id}/toggle", task(taskId))),
    deleteTask: async (taskId: string): Promise<void> => {
      unwrap(await client.DELETE("/api/tasks/{task_id}", task(taskId)));
    },
  };
}

export type TodoApi = ReturnType<typeof createTodoApi>;
