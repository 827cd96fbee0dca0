// What the bench checks beside speed: every security header helmet() sends, and a request log line for every request.
import { readFileSync } from 'node:fs';

/** The names of the response headers of GET `url` (lower case). */
async function headerNames(url: string, token?: string): Promise<Set<string>> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }).catch((err: Error) => {
    throw new Error(`${url}: ${err.message} (${(err.cause as Error | undefined)?.message ?? 'no cause'})`);
  });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new Set(response.headers.keys());
}

/** Headers every response carries whatever the stack: not what helmet() adds. */
const NOT_HELMET = ['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'etag'];

/**
 * The headers helmet() sends on the production-stack peer's /auth/me, and which of them the service leaves out on
 * which route (`name on /route`), over the routes of the table's rows.
 */
export async function missingSecurityHeaders(peerUrl: string, serviceUrl: string, token: string): Promise<{ checked: number; missing: string[] }> {
  const helmetNames = [...(await headerNames(`${peerUrl}/auth/me`, token))].filter((name) => !NOT_HELMET.includes(name));
  const missing: string[] = [];
  for (const [route, bearer] of [['/healthz'], ['/auth/me', token], ['/auth/verify', token]] as [string, string?][]) {
    const names = await headerNames(`${serviceUrl}${route}`, bearer);
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
