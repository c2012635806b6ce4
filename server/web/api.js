// The public API, as any web app calls it (server/openapi.json). Every call resolves to the parsed
// body or throws an ApiError: status 0 when the server cannot be reached.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' }, ...options });
  } catch {
    throw new ApiError(0, 'unreachable', 'The server cannot be reached. Is songvec-server running?');
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(response.status, 'bad_answer', `The server answered ${response.status} without JSON.`);
  }
  if (!response.ok) {
    const error = body && body.error ? body.error : { code: 'error', message: `HTTP ${response.status}` };
    throw new ApiError(response.status, error.code, error.message);
  }
  return body;
}

const query = (params) => new URLSearchParams(
  Object.entries(params).filter(([, value]) => value !== undefined && value !== '' && value !== 0)).toString();

export const api = {
  ready: () => call('/readyz'),
  search: (q, limit = 8) => call(`/v1/songs?${query({ q, limit })}`),
  song: (id) => call(`/v1/songs/${encodeURIComponent(id)}`),
  // scoring: "similar" or "next"; options: k, offset, max_per_artist, tag.
  neighbors: (id, scoring, options) =>
    call(`/v1/songs/${encodeURIComponent(id)}/${scoring}?${query(options)}`),
  recommend: (body) => call('/v1/recommend', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  }),
  models: () => call('/v1/models'),
  model: (version) => call(`/v1/models/${version}`),
};
