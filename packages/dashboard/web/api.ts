// Calls to the dashboard's JSON API. Mutating calls carry the token the user entered (kept
// for the tab in sessionStorage) when the server asks for one.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'dashboard-token';

async function call<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (method !== 'GET' && token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  if (res.ok) return json as T;
  if ((res.status === 401 || res.status === 403) && method !== 'GET' && !retried) {
    const entered = window.prompt('This dashboard needs its token for changes:');
    if (entered) {
      sessionStorage.setItem(TOKEN_KEY, entered);
      return call<T>(method, path, body, true);
    }
  }
  throw new ApiError(res.status, json.error?.message ?? `${res.status} ${res.statusText}`);
}

export const get = <T>(path: string): Promise<T> => call<T>('GET', path);
export const post = <T>(path: string, body: unknown): Promise<T> => call<T>('POST', path, body);
export const del = <T>(path: string): Promise<T> => call<T>('DELETE', path);

export const q = (params: Record<string, string | number | undefined>): string => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') s.set(k, String(v));
  return s.toString();
};
