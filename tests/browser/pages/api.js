// What a frontend's api.ts does, in plain JavaScript: fetch with `Authorization: Bearer`, JSON in and out.
// The API's base URL comes from the page's `?api=` query, so the test can run the API on any port.
export const API = new URL(window.location.href).searchParams.get('api');

export async function call(method, path, { token, body } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${API}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    // Readable from script only when the API lists it in Access-Control-Expose-Headers.
    location: response.headers.get('Location'),
    requestId: response.headers.get('X-Request-ID'),
  };
}

// Written into the DOM, where the test reads it: `data-done` says the report is complete.
export function report(value) {
  const out = document.getElementById('result');
  out.textContent = JSON.stringify(value, null, 2);
  out.setAttribute('data-done', '');
}

// A failed fetch is a TypeError with no status: what a page sees when CORS (or the network) refuses.
export async function outcome(promise) {
  try {
    const answer = await promise;
    return { ok: true, status: answer.status };
  } catch (error) {
    return { ok: false, name: error.name, message: error.message };
  }
}
