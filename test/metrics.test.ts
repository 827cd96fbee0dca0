// Prometheus metrics on their own listener (METRICS_PORT): what operators can count, and that the API port never serves them.
import request from 'supertest';
import { PrometheusMetrics } from '../src/metrics/prometheus';
import { listeningPorts, spawnService } from './support/service-process';
import { login, stack, TestFleet, testEnv, users, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';
import { freePort } from '../src/dev/local-cognito';

const fleet = new TestFleet();
afterAll(() => fleet.close());

/** The value of one sample line, e.g. `auth_outcomes_total{outcome="accepted",reason=""}`; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && wanted.every((pair) => l.includes(pair)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('what the service records', () => {
  let api: TestApp;
  const metrics = new PrometheusMetrics();
  const scrape = () => metrics.registry.metrics();

  beforeAll(async () => {
    api = await fleet.instance({ metrics, env: { LOGIN_RATE_LIMIT: '1' } });
  });

  it('times requests by route template, method and status, never by raw path', async () => {
    const tokens = await login(api.app, users.editor);
    await request(api.app).delete('/books/no-such-id').set('Authorization', `Bearer ${tokens.access_token}`).expect(404);
    await request(api.app).get('/nowhere/12345').expect(404);
    const text = await scrape();
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/books/:id', method: 'DELETE', status: '404' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/auth/login', method: 'POST', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'http_request_duration_seconds_count', { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    expect(text).not.toContain('no-such-id');
    expect(text).not.toContain('12345');
  });

  it('counts auth outcomes by reason, forward-auth verdicts and token-cache lookups', async () => {
    const token = mintAccessToken(stack.issuer, stack.clientId);
    await request(api.app).get('/auth/verify').set('Authorization', `Bearer ${token}`).expect(200);
    await request(api.app).get('/auth/verify').set('Authorization', `Bearer ${token}`).expect(200);
    await request(api.app).get('/auth/verify?scope=books/write').set('Authorization', `Bearer ${token}`).expect(403);
    await request(api.app).get('/auth/me').set('Authorization', `Bearer ${mintAccessToken(stack.issuer, stack.clientId, { exp: 1 })}`).expect(401);
    await request(api.app).get('/auth/me').expect(401);
    await request(api.app).post('/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    await request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`).expect(401);

    const text = await scrape();
    expect(sample(text, 'forward_auth_verdicts_total', { verdict: 'allowed' })).toBe(2);
    expect(sample(text, 'forward_auth_verdicts_total', { verdict: 'forbidden' })).toBe(1);
    expect(sample(text, 'auth_outcomes_total', { outcome: 'insufficient_scope' })).toBe(1);
    expect(sample(text, 'auth_outcomes_total', { outcome: 'invalid_token', reason: 'expired' })).toBe(1);
    expect(sample(text, 'auth_outcomes_total', { outcome: 'no_token' })).toBe(1);
    expect(sample(text, 'auth_outcomes_total', { outcome: 'logged_out' })).toBe(1);
    expect(sample(text, 'token_cache_lookups_total', { result: 'hit' })).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'token_cache_lookups_total', { result: 'miss' })).toBeGreaterThanOrEqual(2);
  });

  it('times Redis commands and Cognito calls, and counts rate-limit refusals', async () => {
    const wrong = { username: users.reader.username, password: 'Wrong-pass-1' };
    await request(api.app).post('/auth/login').send(wrong).expect(401);
    await request(api.app).post('/auth/login').send(wrong).expect(429);
    const text = await scrape();
    expect(sample(text, 'redis_command_duration_seconds_count', { command: 'mget', failed: 'false' })).toBeGreaterThan(0);
    expect(sample(text, 'cognito_call_duration_seconds_count', { operation: 'InitiateAuth', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sample(text, 'cognito_call_duration_seconds_count', { operation: 'InitiateAuth', outcome: 'InvalidCredentialsError' })).toBe(1);
    expect(sample(text, 'rate_limit_refusals_total', { budget: 'username' })).toBe(1);
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});

describe('the metrics listener', () => {
  it('serves GET /metrics on METRICS_PORT only; the API port answers 404 there', async () => {
    const metricsPort = await freePort();
    const service = await spawnService({ ...testEnv({ REDIS_URL: stack.redisUrl, REDIS_KEY_PREFIX: fleet.prefix }), METRICS_PORT: String(metricsPort) });
    try {
      await fetch(`${service.url}/healthz`);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await scraped.text();
      // spawnService's own wait for /healthz, then this test's request.
      expect(sample(text, 'http_request_duration_seconds_count', { route: '/healthz', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(2);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);
      const onApi = await fetch(`${service.url}/metrics`);
      expect(onApi.status).toBe(404);
      expect(listeningPorts(service.child.pid!)).toEqual([Number(new URL(service.url).port), metricsPort].sort((a, b) => a - b));
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('is off when METRICS_PORT is unset: the process listens on the API port alone', async () => {
    const service = await spawnService(testEnv({ REDIS_URL: stack.redisUrl, REDIS_KEY_PREFIX: fleet.prefix }));
    try {
      // With metrics on, the same process listens on METRICS_PORT too (the test above).
      expect(listeningPorts(service.child.pid!)).toEqual([Number(new URL(service.url).port)]);
      expect((await fetch(`${service.url}/metrics`)).status).toBe(404);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });
});
