// Swagger UI in a real browser (headless Chromium): sign up, Authorize with the password flow, with code + PKCE on
// the hosted UI and with a pasted token, call routes from the page, and end each session with the dialog's own
// Logout, checked from outside the browser; no JavaScript errors on the way.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { registerCallbackUrls } from '../src/dev/provision';
import { launchChromium } from './support/browser';
import { cognitoTakesRefreshToken } from './support/cognito-direct';
import { codeFor } from './support/inbox';
import { startRedisServer } from './support/redis-server';
import request from 'supertest';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';

const fleet = new TestFleet();
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const DOCS_DIR = path.resolve(__dirname, '../docs');
let browser: Browser;
let server: Server;
let base: string;
let api: TestApp;

beforeAll(async () => {
  browser = await launchChromium();
  api = await fleet.instance({ env: { COGNITO_DOMAIN: stack.endpoint } });
  server = api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await registerCallbackUrls(stack.endpoint, stack, [`${base}/docs/oauth2-redirect.html`], [`${base}/docs/`]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await fleet.close();
});

/** Opens Swagger UI at `at` (default: this file's instance) and records JavaScript errors (uncaught exceptions and console errors other than HTTP statuses). */
async function openDocs(at = base): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    // The browser reports every 4xx response as a console error; those are the calls under test, not bugs.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  await page.goto(`${at}/docs/`);
  await page.locator('.information-container').waitFor();
  return { page, errors };
}

function scheme(page: Page, title: string): Locator {
  return page.locator('.auth-container').filter({ has: page.locator('h4', { hasText: title }) });
}

const PASSWORD = 'password (OAuth2, password)';
const HOSTED_UI = 'hostedUi (OAuth2, authorizationCode with PKCE)';
const BEARER = '(http, Bearer)';

/** The token response Swagger UI received (and keeps). */
interface Tokens {
  access_token: string;
  refresh_token?: string;
}

/** Opens the Authorize dialog and signs `user` in with the password flow; returns the tokens Swagger UI got. */
async function authorizeWithPassword(page: Page, user: { username: string; password: string }): Promise<Tokens> {
  if (!(await page.locator('.modal-ux').isVisible())) await page.locator('.auth-wrapper button.authorize').click();
  const password = scheme(page, PASSWORD);
  await password.locator('#oauth_username').fill(user.username);
  await password.locator('#oauth_password').fill(user.password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/token'),
    password.locator('button.authorize').click(),
  ]);
  await password.locator('button', { hasText: 'Logout' }).waitFor();
  return (await response.json()) as Tokens;
}

/** Opens the Authorize dialog if needed and authorizes the bearer scheme with a pasted `token`. */
async function authorizeWithBearer(page: Page, token: string): Promise<Locator> {
  if (!(await page.locator('.modal-ux').isVisible())) await page.locator('.auth-wrapper button.authorize').click();
  const bearer = scheme(page, BEARER);
  await bearer.locator('input').fill(token);
  await bearer.locator('button[type="submit"]').click();
  await bearer.locator('button', { hasText: 'Logout' }).waitFor();
  return bearer;
}

/** Clicks a scheme's own Logout in the dialog and waits until the dialog shows the outcome for that scheme. */
async function clickLogout(page: Page, title: string): Promise<string> {
  const container = scheme(page, title);
  await container.locator('button', { hasText: 'Logout' }).click();
  const outcome = container.locator('.session-notice, .errors').first();
  await outcome.waitFor();
  return (await outcome.textContent()) ?? '';
}

/** GET /auth/me from outside the browser. */
async function meFromOutside(at: string, token: string): Promise<{ status: number; body: unknown; challenge: string | null }> {
  const response = await fetch(`${at}/auth/me`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json(), challenge: response.headers.get('www-authenticate') };
}

const LOGGED_OUT = {
  status: 401,
  body: { error: 'invalid_token', error_description: 'The session of this token has logged out.' },
  challenge: 'Bearer realm="api", error="invalid_token", error_description="The session of this token has logged out."',
};
const ENDED = 'Logged out: the session ended on the server, and this token no longer works.';

/** The session of `tokens` ended for real: its access token gets 401 from outside, and Cognito refuses its refresh token. */
async function expectSessionEnded(tokens: Tokens, username: string): Promise<void> {
  expect(await meFromOutside(base, tokens.access_token)).toEqual(LOGGED_OUT);
  await expect(cognitoTakesRefreshToken(tokens.refresh_token ?? 'none issued', username)).resolves.toBe(false);
}

/** Runs an operation with "Try it out" / "Execute"; returns the status Swagger UI shows once it shows this call's. */
async function execute(page: Page, operationId: string, route: string, body?: string): Promise<string> {
  await page.locator('.modal-ux').waitFor({ state: 'detached' });
  const block = page.locator(`[id$="-${operationId}"]`);
  if (!(await block.locator('.opblock-body').isVisible())) await block.locator('.opblock-summary-control').click();
  await block.locator('.opblock-body').waitFor();
  const tryOut = block.locator('button.try-out__btn', { hasText: 'Try it out' });
  if (await tryOut.isVisible()) await tryOut.click();
  await block.locator('button.execute').waitFor();
  if (body !== undefined) await block.locator('textarea.body-param__text').fill(body);
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === route),
    block.locator('button.execute').click(),
  ]);
  const shown = block.locator('.live-responses-table tbody .response-col_status').first();
  for (let i = 0; i < 50 && (await shown.textContent().catch(() => ''))?.trim() !== String(response.status()); i += 1) {
    await page.waitForTimeout(100);
  }
  return (await shown.textContent())?.trim() ?? '';
}

/** A small PNG of the top of an element (the response table without its long header list, and no token). */
async function screenshotTop(page: Page, element: Locator, file: string): Promise<void> {
  await element.evaluate((node) => node.scrollIntoView({ block: 'start' }));
  const box = await element.boundingBox();
  if (!box) throw new Error(`${file}: element not on the page`);
  await page.screenshot({ path: path.join(DOCS_DIR, file), clip: { ...box, height: Math.min(box.height, 330) } });
}

describe('Swagger UI in Chromium', () => {
  it('opens the Authorize dialog on the password flow, and shows the MFA routes unlocked while nothing is authorized', async () => {
    const { page, errors } = await openDocs();
    // A route that works with or without a token shows an open padlock until something is authorized.
    const padlock = (operationId: string) =>
      page.locator(`[id$="-${operationId}"] .authorization__btn`).first().getAttribute('aria-label');
    await expect(padlock('verifyTotp')).resolves.toBe('authorization button unlocked');
    await expect(padlock('getMe')).resolves.toBe('authorization button unlocked');

    await page.locator('.auth-wrapper button.authorize').click();
    const username = scheme(page, PASSWORD).locator('#oauth_username');
    await expect(username.evaluate((input) => input === input.ownerDocument.activeElement)).resolves.toBe(true);
    const dialog = await page.locator('.modal-ux-content').boundingBox();
    const field = await username.boundingBox();
    expect(field && dialog && field.y >= dialog.y && field.y + field.height <= dialog.y + dialog.height).toBe(true);
    await expect(page.locator('.modal-ux-content').evaluate((content) => content.scrollTop)).resolves.toBe(0);
    // No scope checkboxes on the password flow: its scopes come from the user's groups.
    await expect(scheme(page, PASSWORD).locator('input[type="checkbox"]').count()).resolves.toBe(0);

    await authorizeWithPassword(page, users.reader);
    await scheme(page, PASSWORD).locator('button.btn-done').click();
    await expect(padlock('verifyTotp')).resolves.toBe('authorization button locked');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('password flow: Authorize, call /auth/me, then the dialog\'s Logout ends the session and revokes its refresh token', async () => {
    const { page, errors } = await openDocs();
    await page.locator('.auth-wrapper button.authorize').click();
    const password = scheme(page, PASSWORD);
    await expect(password.locator('input[data-name="clientId"]').inputValue()).resolves.toBe(stack.clientId);
    if (SCREENSHOTS) {
      await password.locator('#oauth_username').fill(users.editor.username);
      await password.locator('#oauth_password').fill(users.editor.password);
      await page.locator('.modal-ux').screenshot({ path: path.join(DOCS_DIR, 'swagger-authorize.png') });
    }
    const tokens = await authorizeWithPassword(page, users.editor);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    await password.locator('button.btn-done').click();

    expect(await execute(page, 'getMe', '/auth/me')).toBe('200');
    const me = page.locator('[id$="-getMe"] .live-responses-table tbody .response-col_description pre').first();
    await expect(me.textContent()).resolves.toContain('"username": "editor"');
    if (SCREENSHOTS) await screenshotTop(page, page.locator('[id$="-getMe"] .live-responses-table'), 'swagger-call.png');

    await page.locator('.auth-wrapper button.authorize').click();
    const [logout] = await Promise.all([
      page.waitForRequest((r) => new URL(r.url()).pathname === '/auth/logout'),
      clickLogout(page, PASSWORD).then((notice) => expect(notice).toBe(ENDED)),
    ]);
    expect(logout.headers().authorization).toBe(`Bearer ${tokens.access_token}`);
    expect(logout.postDataJSON()).toEqual({ refresh_token: tokens.refresh_token });
    await password.locator('button.authorize', { hasText: 'Authorize' }).waitFor();
    if (SCREENSHOTS) {
      await password.locator('.session-notice').evaluate((notice) => notice.scrollIntoView({ block: 'center' }));
      await page.locator('.modal-ux').screenshot({ path: path.join(DOCS_DIR, 'swagger-logout.png') });
    }

    await expectSessionEnded(tokens, users.editor.username);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('authorizes with the code flow and PKCE on the hosted UI, then calls /auth/me', async () => {
    const { page, errors } = await openDocs();
    await page.locator('.auth-wrapper button.authorize').click();
    const hosted = scheme(page, HOSTED_UI);
    await expect(hosted.locator('input[data-name="clientId"]').inputValue()).resolves.toBe(stack.clientId);
    await hosted.locator('label[for="openid-authorizationCode-checkbox-hostedUi"]').click();

    const [login] = await Promise.all([page.context().waitForEvent('page'), hosted.locator('button.authorize').click()]);
    await login.waitForLoadState();
    expect(login.url()).toContain(`${stack.endpoint}/oauth2/authorize`);
    expect(new URL(login.url()).searchParams.get('code_challenge_method')).toBe('S256');
    await login.locator('input[name="username"]').fill(users.editor.username);
    await login.locator('input[name="password"]').fill(users.editor.password);
    const events: string[] = [];
    login.on('response', (r) => events.push(`popup ${r.status()} ${r.url()}`));
    login.on('close', () => events.push('popup closed'));
    page.on('response', (r) => events.push(`page ${r.status()} ${r.url()}`));
    page.on('console', (m) => events.push(`console ${m.type()} ${m.text()}`));
    const tokenResponse = page.waitForResponse((r) => r.url() === `${stack.endpoint}/oauth2/token`);
    await login.locator('button[type="submit"]').click();
    const tokens = (await (await tokenResponse).json()) as Tokens;
    expect(tokens.refresh_token).toEqual(expect.any(String));

    await hosted
      .locator('button', { hasText: 'Logout' })
      .waitFor({ timeout: 10_000 })
      .catch((err: Error) => {
        throw new Error(`${err.message}\n${events.join('\n')}`);
      });
    await hosted.locator('button.btn-done').click();
    expect(await execute(page, 'getMe', '/auth/me')).toBe('200');
    const me = page.locator('[id$="-getMe"] .live-responses-table tbody .response-col_description pre').first();
    await expect(me.textContent()).resolves.toContain('"username": "editor"');

    // cognito-local has no /logout: the hosted UI's is intercepted here, and answers as Cognito's does (back to
    // logout_uri, its session cookie gone).
    const signOut: string[] = [];
    await page.route(`${stack.endpoint}/logout**`, (route) => {
      signOut.push(route.request().url());
      const back = new URL(route.request().url()).searchParams.get('logout_uri') ?? '/';
      return route.fulfill({ status: 302, headers: { Location: back } });
    });
    await page.locator('.auth-wrapper button.authorize').click();
    await Promise.all([
      page.waitForRequest((r) => r.url().startsWith(`${stack.endpoint}/logout`)),
      scheme(page, HOSTED_UI).locator('button', { hasText: 'Logout' }).click(),
    ]);
    // Back on Swagger UI, which the hosted UI's /logout returned to.
    await page.waitForURL(`${base}/docs/`);
    await page.locator('.auth-wrapper button.authorize').waitFor();
    expect(signOut).toHaveLength(1);
    const hostedLogout = new URL(signOut[0] ?? '');
    expect(`${hostedLogout.origin}${hostedLogout.pathname}`).toBe(`${stack.endpoint}/logout`);
    expect(Object.fromEntries(hostedLogout.searchParams)).toEqual({ client_id: stack.clientId, logout_uri: `${base}/docs/` });
    // The server-side logout came first: the session had ended before the browser left.
    await expectSessionEnded(tokens, users.editor.username);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('bearer: a pasted token is logged out by the dialog\'s Logout, and the password flow stays authorized', async () => {
    const { page, errors } = await openDocs();
    const pasted = await login(api.app, users.reader);
    const kept = await authorizeWithPassword(page, users.editor);
    await authorizeWithBearer(page, pasted.access_token);

    const [logout] = await Promise.all([
      page.waitForRequest((r) => new URL(r.url()).pathname === '/auth/logout'),
      clickLogout(page, BEARER).then((notice) => expect(notice).toBe(ENDED)),
    ]);
    expect(logout.postDataJSON()).toEqual({});
    expect(await meFromOutside(base, pasted.access_token)).toEqual(LOGGED_OUT);
    // The other scheme is untouched: still authorized in the dialog, and its token still works.
    await expect(scheme(page, PASSWORD).locator('button', { hasText: 'Logout' }).isVisible()).resolves.toBe(true);
    expect((await meFromOutside(base, kept.access_token)).status).toBe(200);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('forgets a token the server already refuses (401: expired) without an error', async () => {
    const { page, errors } = await openDocs();
    const now = Math.floor(Date.now() / 1000);
    const expired = mintAccessToken(stack.issuer, stack.clientId, { iat: now - 3700, auth_time: now - 3700, exp: now - 100 });
    const bearer = await authorizeWithBearer(page, expired);
    expect(await clickLogout(page, BEARER)).toBe('The server already refused this token; it is forgotten.');
    await bearer.locator('button', { hasText: 'Authorize' }).waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('keeps the scheme authorized and shows the error when the server cannot log out (Redis stopped), then logs out on retry', async () => {
    const redis = await startRedisServer();
    const faulty = await fleet.instance({ redisUrl: redis.url });
    const listening = faulty.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    const at = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    try {
      const { page, errors } = await openDocs(at);
      const tokens = await authorizeWithPassword(page, users.reader);
      redis.process.kill('SIGSTOP');
      const shown = await clickLogout(page, PASSWORD);
      expect(shown).toContain('Logout failed (HTTP 503)');
      expect(shown).toContain('You are still signed in; click Logout again.');
      await expect(scheme(page, PASSWORD).locator('button', { hasText: 'Logout' }).isVisible()).resolves.toBe(true);

      redis.process.kill('SIGCONT');
      await scheme(page, PASSWORD).locator('button', { hasText: 'Logout' }).click();
      await scheme(page, PASSWORD).locator('.session-notice', { hasText: ENDED }).waitFor();
      expect(await meFromOutside(at, tokens.access_token)).toEqual(LOGGED_OUT);
      expect(errors).toEqual([]);
      await page.context().close();
    } finally {
      redis.process.kill('SIGCONT');
      redis.process.kill('SIGKILL');
      listening.close();
    }
  }, 60_000);

  it('signs a new user up and confirms it from the page, then authorizes as that user', async () => {
    const { page, errors } = await openDocs();
    const account = { username: `docs-${randomUUID().slice(0, 8)}`, password: `Pw-${randomUUID()}` };
    const signUp = JSON.stringify({ ...account, email: `${account.username}@example.com` });
    expect(await execute(page, 'signUp', '/auth/signup', signUp)).toBe('201');
    const created = page.locator('[id$="-signUp"] .live-responses-table tbody .response-col_description pre').first();
    await expect(created.textContent()).resolves.toContain('"user_confirmed": false');

    const confirm = JSON.stringify({ username: account.username, code: codeFor(account.username) });
    expect(await execute(page, 'confirmSignUp', '/auth/confirm', confirm)).toBe('204');

    await page.locator('.auth-wrapper button.authorize').click();
    const password = scheme(page, PASSWORD);
    await password.locator('#oauth_username').fill(account.username);
    await password.locator('#oauth_password').fill(account.password);
    await password.locator('button.authorize').click();
    await password.locator('button', { hasText: 'Logout' }).waitFor();
    await password.locator('button.btn-done').click();
    expect(await execute(page, 'getMe', '/auth/me')).toBe('200');
    const me = page.locator('[id$="-getMe"] .live-responses-table tbody .response-col_description pre').first();
    await expect(me.textContent()).resolves.toContain(`"username": "${account.username}"`);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  /** Signs in with the password flow, reloads, and tells whether Swagger UI still holds the authorization. */
  async function authorizedAfterReload(at: string): Promise<{ locked: boolean; stored: unknown }> {
    const { page } = await openDocs(at);
    await page.locator('.auth-wrapper button.authorize').click();
    const password = scheme(page, PASSWORD);
    await password.locator('#oauth_username').fill(users.reader.username);
    await password.locator('#oauth_password').fill(users.reader.password);
    await password.locator('button.authorize').click();
    await password.locator('button', { hasText: 'Logout' }).waitFor();
    await page.reload();
    await page.locator('.information-container').waitFor();
    // Swagger UI marks the Authorize button `locked` while it holds an authorization, `unlocked` otherwise.
    const classes = (await page.locator('.auth-wrapper button.authorize').getAttribute('class')) ?? '';
    const locked = !classes.includes('unlocked');
    const stored = await page.evaluate("window.localStorage.getItem('authorized')");
    await page.context().close();
    return { locked, stored };
  }

  it('keeps no authorization across a reload by default', async () => {
    expect(await authorizedAfterReload(base)).toEqual({ locked: false, stored: null });
  }, 60_000);

  it('keeps it across a reload when DOCS_PERSIST_AUTHORIZATION=true', async () => {
    const api = await fleet.instance({ env: { DOCS_PERSIST_AUTHORIZATION: 'true' } });
    const persisting = api.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => persisting.once('listening', resolve));
    try {
      const result = await authorizedAfterReload(`http://127.0.0.1:${(persisting.address() as AddressInfo).port}`);
      expect(result.locked).toBe(true);
      expect(result.stored).toEqual(expect.stringContaining('"password"'));
    } finally {
      persisting.close();
    }
  }, 60_000);
});
