// examples/browser-app in headless Chromium, served from another origin than the API: CORS with preflight, login,
// a Bearer call, a refresh of an expired access token, logout; and a page on an origin not allowed reads nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { createHttpServer } from '../src/http/server';
import { expectLoggedOut } from './support/assertions';
import { launchChromium } from './support/browser';
import { stack, TestFleet, users, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';

// The example's own static server, as `node examples/browser-app/serve.js` runs it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createExampleServer } = require('../examples/browser-app/serve.js') as { createExampleServer: () => Server };

const fleet = new TestFleet();
const servers: Server[] = [];
/** Each request the API received: `METHOD /path`. */
const seen: string[] = [];
let browser: Browser;
let api: TestApp;
let apiUrl: string;
let appOrigin: string;
let foreignOrigin: string;

async function listen(server: Server, host: string): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  browser = await launchChromium();
  // The app is served as http://localhost:<port>, the API as http://127.0.0.1:<port>: two origins, two sites.
  appOrigin = await listen(createExampleServer(), 'localhost');
  foreignOrigin = await listen(createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<title>elsewhere</title>')), 'localhost');
  api = await fleet.instance({ env: { CORS_ORIGINS: appOrigin } });
  const server = createHttpServer(api.app);
  server.prependListener('request', (req) => seen.push(`${req.method} ${(req.url ?? '').split('?')[0]}`));
  apiUrl = await listen(server, '127.0.0.1');
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers) server.close();
  await fleet.close();
});

async function openApp(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${appOrigin}/?api=${encodeURIComponent(apiUrl)}`);
  return { page, errors };
}

/** Waits until the page's status line reads `text` (at its start). */
const statusReads = (page: Page, text: string) =>
  page.locator('#status', { hasText: text }).waitFor({ timeout: 5000 }).catch(async (err: Error) => {
    throw new Error(`status is "${await page.locator('#status').textContent()}", not "${text}": ${err.message}`);
  });
const output = async (page: Page) => JSON.parse((await page.locator('#out').textContent()) || 'null') as Record<string, unknown>;

it('logs in, calls the API with the Bearer header, refreshes an expired token, and logs out for real', async () => {
  const { page, errors } = await openApp();
  seen.length = 0;
  await page.fill('#username', users.reader.username);
  await page.fill('#password', users.reader.password);
  await page.click('button[type=submit]');
  await statusReads(page, 'Signed in.');

  await page.click('#me');
  await statusReads(page, 'You are:');
  expect(await output(page)).toMatchObject({ username: 'reader', client_id: stack.clientId });
  // The browser asked first (CORS preflight) for the JSON login and for the call with an Authorization header.
  expect(seen).toEqual(['OPTIONS /auth/login', 'POST /auth/login', 'OPTIONS /auth/me', 'GET /auth/me']);

  // Time passes: the access token the page holds has expired (minted with the pool's key, an hour ago).
  const expired = mintAccessToken(stack.issuer, stack.clientId, { username: 'reader', exp: Math.floor(Date.now() / 1000) - 120 });
  // `session` is the app script's top-level binding (a classic script's `let`, reachable from the page's scope).
  await page.evaluate(`session.accessToken = ${JSON.stringify(expired)}`);
  seen.length = 0;
  await page.evaluate("document.getElementById('status').textContent = 'asking again'");
  await page.click('#me');
  await statusReads(page, 'You are:');
  expect(await output(page)).toMatchObject({ username: 'reader' });
  expect(seen.filter((line) => !line.startsWith('OPTIONS'))).toEqual(['GET /auth/me', 'POST /auth/refresh', 'GET /auth/me']);
  const current = (await page.evaluate('session.accessToken')) as string;
  expect(current).not.toBe(expired);

  await page.click('#logout');
  await statusReads(page, 'Signed out: the session is over on the server too.');
  expect(await page.locator('#me').isDisabled()).toBe(true);
  // From outside the browser: the token the page last held is refused, on the server.
  expectLoggedOut(await request(api.app).get('/auth/me').set('Authorization', `Bearer ${current}`));
  expect(errors).toEqual([]);
  await page.close();
});

it('lets the API answer a preflight from the allowed origin only', async () => {
  const preflight = (origin: string) =>
    request(api.app)
      .options('/auth/me')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
  const allowed = await preflight(appOrigin);
  expect(allowed.status).toBe(204);
  expect(allowed.headers['access-control-allow-origin']).toBe(appOrigin);
  expect(allowed.headers['access-control-allow-headers']).toBe('authorization');
  const refused = await preflight(foreignOrigin);
  expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  // The app must read why a call was refused: WWW-Authenticate says "expired", and Retry-After when to come back.
  const answer = await request(api.app).get('/auth/me').set('Origin', appOrigin);
  expect(answer.status).toBe(401);
  expect(answer.headers['access-control-expose-headers']).toBe('WWW-Authenticate,Retry-After');
});

it('keeps the API\'s answers from a page on an origin not in CORS_ORIGINS', async () => {
  const page = await browser.newPage();
  await page.goto(foreignOrigin);
  const token = mintAccessToken(stack.issuer, stack.clientId);
  seen.length = 0;
  const outcomes = await page.evaluate(
    async ({ base, token }) => {
      const attempt = (path: string, init?: RequestInit) =>
        fetch(`${base}${path}`, init).then(
          async (response) => `read ${response.status}: ${await response.text()}`,
          (err: Error) => `blocked: ${err.name}`,
        );
      return {
        me: await attempt('/auth/me', { headers: { Authorization: `Bearer ${token}` } }),
        health: await attempt('/healthz'),
        login: await attempt('/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username":"reader","password":"x"}' }),
      };
    },
    { base: apiUrl, token },
  );
  expect(outcomes).toEqual({ me: 'blocked: TypeError', health: 'blocked: TypeError', login: 'blocked: TypeError' });
  // The simple GET reached the API (CORS stops reading, not sending); the others never left the preflight.
  expect(seen).toEqual(['OPTIONS /auth/me', 'GET /healthz', 'OPTIONS /auth/login']);
  await page.close();
});
