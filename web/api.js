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
let sessionEnded = null;

export function setCsrfToken(token) {
  csrfToken = token;
}

// `handler()` is called when a request made while signed in is answered 401: the session
// expired or was ended elsewhere (signed out in another tab, password changed). The request
// still fails as usual. Not for /session itself (a wrong password, the first look at the
// session).
export function onSessionEnded(handler) {
  sessionEnded = handler;
}

// The answer as a Blob (audio); throws ApiError for any status but 2xx.
export async function apiBlob(method, path, body) {
  const res = await send(method, path, body);
  if (res.ok) return res.blob();
  noticeEndedSession(path, res);
  throw await failure(res);
}

// The parsed JSON answer (null for 204); throws ApiError for any status but 2xx.
export async function api(method, path, body) {
  const res = await send(method, path, body);
  if (res.status === 204) return null;
  if (!res.ok) {
    noticeEndedSession(path, res);
    throw await failure(res);
  }
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

function noticeEndedSession(path, res) {
  if (res.status === 401 && csrfToken !== null && path !== "/session" && sessionEnded) {
    sessionEnded();
  }
}

async function failure(res) {
  let error = {};
  try {
    error = (await res.json()).error || {};
  } catch {
    error = {};
  }
  return new ApiError(res.status, error.code || "HTTP_" + res.status,
                      error.message || res.statusText, error.field);
}

function send(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
}
