// What the bench checks beside speed: every security header helmet() sends, a request log line for every request, and
// that the rows whose answer is a 200 whatever happened (introspection, revocation) did what their labels say.
import { readFileSync } from 'node:fs';

/** The names of the response headers of `url` (lower case), requested as `init` says (a GET by default). */
async function headerNames(url: string, init: RequestInit = {}): Promise<Set<string>> {
  const response = await fetch(url, init).catch((err: Error) => {
    throw new Error(`${url}: ${err.message} (${(err.cause as Error | undefined)?.message ?? 'no cause'})`);
  });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new Set(response.headers.keys());
}

/** Headers every response carries whatever the stack: not what helmet() adds. */
const NOT_HELMET = ['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'etag'];

/** What the rows send that the header check sends too. */
export interface RowCredentials {
  /** The warm token. */
  warm: string;
  /** The Authorization header of the introspection caller. */
  introspectionCaller: string;
  /** The token the revocation row revokes (this check revokes it too). */
  revoked: string;
}

const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
const postForm = (form: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(form),
});

/**
 * The headers helmet() sends on the production-stack peer's /auth/me, and which of them the service leaves out on
 * which route (`name on /route`), over the routes of the table's rows on the API port, each requested as its row
 * does. Not the forward-auth door's: it sends none, by design, since only the proxy reads its answers and nginx's
 * auth_request passes on just the identity headers it is told to.
 */
export async function missingSecurityHeaders(peerUrl: string, serviceUrl: string, rows: RowCredentials): Promise<{ checked: number; missing: string[] }> {
  const helmetNames = [...(await headerNames(`${peerUrl}/auth/me`, bearer(rows.warm)))].filter((name) => !NOT_HELMET.includes(name));
  const routes: [string, RequestInit][] = [
    ['/healthz', {}],
    ['/auth/me', bearer(rows.warm)],
    ['/auth/verify', bearer(rows.warm)],
    ['/auth/introspect', postForm({ token: rows.warm }, { authorization: rows.introspectionCaller })],
    ['/auth/revoke', postForm({ token: rows.revoked })],
  ];
  const missing: string[] = [];
  for (const [route, init] of routes) {
    const names = await headerNames(`${serviceUrl}${route}`, init);
    for (const name of helmetNames) if (!names.has(name)) missing.push(`${name} on ${route}`);
  }
  return { checked: helmetNames.length, missing };
}

/** The request log lines at info in `logFile` (read once the service has exited). */
export function requestLogLines(logFile: string): number {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"msg":"request completed"') && line.includes('"level":30')).length;
}

/** Throws unless introspecting `token` as `authorization` at `serviceUrl` answers 200 with `active: true`. */
export async function assertIntrospectsActive(serviceUrl: string, authorization: string, token: string): Promise<void> {
  const response = await fetch(`${serviceUrl}/auth/introspect`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  const answer = (await response.json().catch(() => undefined)) as { active?: unknown } | undefined;
  if (response.status !== 200 || answer?.active !== true) {
    throw new Error(`/auth/introspect of the warm token: ${response.status} ${JSON.stringify(answer)}, not 200 with active: true`);
  }
}

/** Throws unless `serviceUrl` answers `token` on /auth/me with `status`: 200 while its session is live, 401 once revoked. */
export async function assertMeAnswers(serviceUrl: string, token: string, status: 200 | 401): Promise<void> {
  const response = await fetch(`${serviceUrl}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== status) throw new Error(`/auth/me with the ${status === 200 ? 'live' : 'revoked'} token: ${response.status}, not ${status}`);
}
