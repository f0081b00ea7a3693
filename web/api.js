// Calls to the Polyvox API from the studio: same origin, authenticated by the session cookie;
// every request that may change something carries the session's CSRF token.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token;
}

// The parsed JSON answer (null for 204); throws ApiError for any status but 2xx.
export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(res.status, error.code || "HTTP_" + res.status,
                       error.message || res.statusText, error.field);
  }
  return data;
}
