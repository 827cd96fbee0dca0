// Swagger UI in a real browser (headless Chromium): sign up, Authorize with the password flow and with code + PKCE
// on the hosted UI, call routes from the page, log out for real, and no JavaScript errors on the way.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { registerCallbackUrls } from '../src/dev/provision';
import { launchChromium } from './support/browser';
import { codeFor } from './support/inbox';
import { stack, TestFleet, users } from './support/stack';

const fleet = new TestFleet();
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const DOCS_DIR = path.resolve(__dirname, '../docs');
let browser: Browser;
let server: Server;
let base: string;

beforeAll(async () => {
  browser = await launchChromium();
  const api = await fleet.instance({ env: { COGNITO_DOMAIN: stack.endpoint } });
  server = api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await registerCallbackUrls(stack.endpoint, stack, [`${base}/docs/oauth2-redirect.html`]);
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
  it('authorizes with the password flow, calls /auth/me, logs out for real, and then gets 401', async () => {
    const { page, errors } = await openDocs();
    await page.locator('.auth-wrapper button.authorize').click();
    const password = scheme(page, 'password (OAuth2, password)');
    await expect(password.locator('input[data-name="clientId"]').inputValue()).resolves.toBe(stack.clientId);
    await password.locator('#oauth_username').fill(users.reader.username);
    await password.locator('#oauth_password').fill(users.reader.password);
    if (SCREENSHOTS) {
      await page.locator('.modal-ux-content').evaluate((content) => content.scrollTo(0, 0));
      await page.locator('.modal-ux').screenshot({ path: path.join(DOCS_DIR, 'swagger-authorize.png') });
    }
    await password.locator('button.authorize').click();
    await password.locator('button', { hasText: 'Logout' }).waitFor();
    await password.locator('button.btn-done').click();

    expect(await execute(page, 'getMe', '/auth/me')).toBe('200');
    const me = page.locator('[id$="-getMe"] .live-responses-table tbody .response-col_description pre').first();
    await expect(me.textContent()).resolves.toContain('"username": "reader"');
    if (SCREENSHOTS) await screenshotTop(page, page.locator('[id$="-getMe"] .live-responses-table'), 'swagger-call.png');

    expect(await execute(page, 'logout', '/auth/logout', '{}')).toBe('204');
    expect(await execute(page, 'getMe', '/auth/me')).toBe('401');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('authorizes with the code flow and PKCE on the hosted UI, then calls /auth/me', async () => {
    const { page, errors } = await openDocs();
    await page.locator('.auth-wrapper button.authorize').click();
    const hosted = scheme(page, 'hostedUi (OAuth2, authorizationCode with PKCE)');
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
    await login.locator('button[type="submit"]').click();

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
    expect(errors).toEqual([]);
    await page.context().close();
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
    const password = scheme(page, 'password (OAuth2, password)');
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
    const password = scheme(page, 'password (OAuth2, password)');
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
