/** Calls to the PhoneKey API (/v1/*) with the steward's token, kept for this browser tab only. */
const TOKEN_KEY = 'phonekey.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY) ?? '',
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
  /** Called when the API refuses the token (revoked, rotated): the page asks for it again. */
  onRefused: () => {},
};

async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${session.token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // API Gateway answers 401 without a token and 403 when the authorizer refuses it.
  if (response.status === 401 || response.status === 403) {
    session.signOut();
    session.onRefused();
  }
  return response;
}

export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  const text = await response.text();
  let json: { error?: string; message?: string } & Record<string, unknown>;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text };
  }
  if (!response.ok) throw new ApiError(response.status, json.error ?? `http.${response.status}`, json.message ?? text);
  return json as T;
}

export const q = (params: Record<string, string | number | undefined>) =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

/** Saves what a GET answers as a file (a link cannot carry the token, so the page fetches and hands over the bytes). */
export async function download(path: string, name: string): Promise<void> {
  const response = await send('GET', path);
  if (!response.ok) {
    const text = await response.text();
    let failure: { error?: string; message?: string } = {};
    try {
      failure = JSON.parse(text);
    } catch {
      // not the API's JSON: the text says what happened
    }
    throw new ApiError(response.status, failure.error ?? `http.${response.status}`, failure.message ?? text);
  }
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
