// Budgets, each a 429 with Retry-After: per address across usernames (spraying), per username on every instance, per
// user for a stolen token's guesses; cross-site requests refused before they spend a victim's budget; and Cognito
// throttling a login. Every login 429 is here (the Redis Cluster's shared count: test/redis-cluster.test.ts).
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { fakeCognito } from './support/fake-cognito';
import { login, TestFleet, users, type TestApp } from './support/stack';
import { createUser } from './support/users';

const fleet = new TestFleet();
afterAll(() => fleet.close());

/** A client address never used before in this run, sent as X-Forwarded-For (these instances trust one proxy hop). */
let addresses = 0;
const newAddress = () => {
  addresses += 1;
  return `10.77.${addresses >> 8}.${addresses & 255}`;
};
const budgets = (env: Record<string, string>) => fleet.instance({ env: { TRUST_PROXY: '1', ...env } });

function expectTooMany(response: request.Response): void {
  expect(response.status).toBe(429);
  expect(response.body.error).toBe('too_many_requests');
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}

/** One call to each route that calls Cognito without a token, from `address`. */
const unauthenticatedCalls: [string, (api: TestApp, address: string) => request.Test][] = [
  ['POST /auth/login', (api, a) => request(api.app).post('/auth/login').set('X-Forwarded-For', a).send({ username: 'u', password: 'Pw-123456' })],
  ['POST /auth/token', (api, a) => request(api.app).post('/auth/token').set('X-Forwarded-For', a).type('form').send('grant_type=password&username=u&password=p')],
  ['POST /auth/refresh', (api, a) => request(api.app).post('/auth/refresh').set('X-Forwarded-For', a).send({ refresh_token: 'r' })],
  ['POST /auth/challenge', (api, a) => request(api.app).post('/auth/challenge').set('X-Forwarded-For', a).send({ challenge: 'SOFTWARE_TOKEN_MFA', username: 'u', session: 's', code: '123456' })],
  ['POST /auth/signup', (api, a) => request(api.app).post('/auth/signup').set('X-Forwarded-For', a).send({ username: 'u', password: 'Pw-123456', email: 'u@example.com' })],
  ['POST /auth/confirm', (api, a) => request(api.app).post('/auth/confirm').set('X-Forwarded-For', a).send({ username: 'u', code: '123456' })],
  ['POST /auth/resend-code', (api, a) => request(api.app).post('/auth/resend-code').set('X-Forwarded-For', a).send({ username: 'u' })],
  ['POST /auth/forgot-password', (api, a) => request(api.app).post('/auth/forgot-password').set('X-Forwarded-For', a).send({ username: 'u' })],
  ['POST /auth/reset-password', (api, a) => request(api.app).post('/auth/reset-password').set('X-Forwarded-For', a).send({ username: 'u', code: '123456', new_password: 'Pw-123456' })],
  ['POST /auth/mfa/setup (no token)', (api, a) => request(api.app).post('/auth/mfa/setup').set('X-Forwarded-For', a).send({ username: 'u', session: 's' })],
  ['POST /auth/mfa/verify (no token)', (api, a) => request(api.app).post('/auth/mfa/verify').set('X-Forwarded-For', a).send({ username: 'u', session: 's', code: '123456' })],
];

describe('password spraying: a budget per address across usernames (LOGIN_IP_RATE_LIMIT)', () => {
  it('answers 429 once one address has tried its budget over many usernames', async () => {
    const api = await budgets({ LOGIN_IP_RATE_LIMIT: '5', LOGIN_RATE_LIMIT: '100' });
    const address = newAddress();
    for (let i = 0; i < 5; i += 1) {
      const response = await request(api.app)
        .post('/auth/login')
        .set('X-Forwarded-For', address)
        .send({ username: `sprayed-${i}`, password: 'Summer-2026!' });
      expect(response.status).toBe(401);
    }
    const sixth = await request(api.app).post('/auth/login').set('X-Forwarded-For', address).send(users.reader);
    expectTooMany(sixth);
    expect(sixth.body.error_description).toBe('Too many attempts from this address; try again later.');
    // Another address keeps its own budget.
    expect((await request(api.app).post('/auth/login').set('X-Forwarded-For', newAddress()).send(users.reader)).status).toBe(200);
  });

  it.each(unauthenticatedCalls)('%s counts in it, and is refused once it is spent', async (_name, call) => {
    const api = await budgets({ LOGIN_IP_RATE_LIMIT: '2', LOGIN_RATE_LIMIT: '100' });
    const address = newAddress();
    for (let i = 0; i < 2; i += 1) expect((await call(api, address)).status).not.toBe(429);
    expectTooMany(await call(api, address));
  });
});

describe('login: a budget per username, shared by every instance (LOGIN_RATE_LIMIT)', () => {
  // Counts are shared through Redis under the fleet's prefix, so these tests get fleets of their own.
  const limited = new TestFleet();
  afterAll(() => limited.close());
  it('answers the attempt over the limit with 429 and Retry-After, on every instance, per username', async () => {
    const env = { LOGIN_RATE_LIMIT: '3', LOGIN_RATE_WINDOW_SECONDS: '60' };
    const a = await limited.instance({ env });
    const b = await limited.instance({ env });
    const attempt = (app: typeof a, username: string) =>
      request(app.app).post('/auth/login').send({ username, password: 'wrong-password-1' });

    expect((await attempt(a, users.reader.username)).status).toBe(401);
    expect((await attempt(b, users.reader.username)).status).toBe(401);
    expect((await attempt(a, users.reader.username)).status).toBe(401);
    const over = await attempt(b, users.reader.username);
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ error: 'too_many_requests', error_description: 'Too many login attempts; try again later.' });
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const right = await request(a.app).post('/auth/login').send(users.reader);
    expect(right.status).toBe(429);
    const otherUser = await request(a.app).post('/auth/login').send(users.editor);
    expect(otherUser.status).toBe(200);
  });

  it('counts password grants at the token endpoint too', async () => {
    const api = await limited.instance({ env: { LOGIN_RATE_LIMIT: '1' } });
    const username = `grant-${randomUUID()}`;
    const grant = () =>
      request(api.app)
        .post('/auth/token')
        .type('form')
        .send(new URLSearchParams({ grant_type: 'password', username, password: 'x-wrong-1' }).toString());
    expect((await grant()).status).toBe(400);
    const over = await grant();
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toEqual(expect.any(String));
  });
});

describe('Cognito throttling a login', () => {
  it('answers Cognito throttling with 429 and Retry-After', async () => {
    // Fake: cognito-local never throttles, so InitiateAuth gets Amazon Cognito's throttling answer on the wire.
    const fake = fakeCognito({
      InitiateAuth: { status: 400, body: { __type: 'TooManyRequestsException', message: 'Rate exceeded' } },
    });
    const api = await fleet.instance({ cognitoSdk: fake.client });
    const response = await request(api.app).post('/auth/login').send(users.reader);
    expect(response.status).toBe(429);
    expect(response.body.error).toBe('too_many_requests');
    expect(response.headers['retry-after']).toBe('5');
  });
});

describe('guessing oracles with a stolen access token: a budget per user (LOGIN_RATE_LIMIT)', () => {
  it('stops current-password guesses on /auth/change-password, even the right one, from any address', async () => {
    const api = await budgets({ LOGIN_RATE_LIMIT: '3' });
    const user = await createUser();
    const { access_token: stolen } = await login(api.app, user);
    for (let i = 0; i < 3; i += 1) {
      const wrong = await request(api.app)
        .post('/auth/change-password')
        .set('X-Forwarded-For', newAddress())
        .set('Authorization', `Bearer ${stolen}`)
        .send({ old_password: `Wrong-guess-${i}`, new_password: 'Taken-over-1' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.details).toEqual([{ path: 'old_password', message: 'is incorrect' }]);
    }
    const right = await request(api.app)
      .post('/auth/change-password')
      .set('X-Forwarded-For', newAddress())
      .set('Authorization', `Bearer ${stolen}`)
      .send({ old_password: user.password, new_password: 'Taken-over-1' });
    expectTooMany(right);
    expect(right.body.error_description).toBe('Too many attempts for this account; try again later.');
  });

  it('stops MFA code guesses on /auth/mfa/verify', async () => {
    const api = await budgets({ LOGIN_RATE_LIMIT: '2' });
    const user = await createUser();
    const { access_token: token } = await login(api.app, user);
    await request(api.app).post('/auth/mfa/setup').set('Authorization', `Bearer ${token}`).send({}).expect(200);
    const guess = () => request(api.app).post('/auth/mfa/verify').set('X-Forwarded-For', newAddress()).set('Authorization', `Bearer ${token}`).send({ code: '000000' });
    for (let i = 0; i < 2; i += 1) expect((await guess()).status).toBe(400);
    expectTooMany(await guess());
  });

  it('counts sign-ups per (address, username) like logins: no endless user_exists probing', async () => {
    const api = await budgets({ LOGIN_RATE_LIMIT: '3', LOGIN_IP_RATE_LIMIT: '100' });
    const address = newAddress();
    const account = { username: `probe-${randomUUID().slice(0, 8)}`, password: 'Pw-123456-x', email: 'probe@example.com' };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await request(api.app).post('/auth/signup').set('X-Forwarded-For', address).send(account)).status);
    expect(statuses).toEqual([201, 409, 409]);
    expectTooMany(await request(api.app).post('/auth/signup').set('X-Forwarded-For', address).send(account));
  });
});

describe('cross-site browser requests on routes that need no token', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await budgets({ LOGIN_RATE_LIMIT: '2', CORS_ORIGINS: 'https://app.example.com' });
  });
  const tokenForm = (address: string) =>
    request(api.app).post('/auth/token').set('Host', 'api.test').set('X-Forwarded-For', address).type('form')
      .send(`grant_type=password&username=${users.reader.username}&password=not-the-password`);

  it('refuses a form posted from another site with 403, and does not count it against the victim\'s budget', async () => {
    const victim = newAddress();
    for (let i = 0; i < 5; i += 1) {
      const forged = await tokenForm(victim).set('Origin', 'https://evil.example.net');
      expect(forged.status).toBe(403);
      expect(forged.body).toEqual({
        error: 'cross_site_request',
        error_description: 'Requests from pages on other sites are refused; this route takes no cross-site calls.',
      });
    }
    // The victim's own two attempts are still there (then the budget of 2 is spent).
    for (let i = 0; i < 2; i += 1) expect((await tokenForm(victim)).status).toBe(400);
    expectTooMany(await tokenForm(victim));
  });

  it('refuses Sec-Fetch-Site: cross-site and Origin: null, on the JSON routes too', async () => {
    const crossSite = await request(api.app).post('/auth/login').set('Sec-Fetch-Site', 'cross-site').send(users.reader);
    expect(crossSite.status).toBe(403);
    const opaque = await request(api.app).post('/auth/forgot-password').set('Origin', 'null').send({ username: 'x' });
    expect(opaque.status).toBe(403);
    expect(opaque.body.error).toBe('cross_site_request');
  });

  it('lets in curl (no Origin), the API\'s own pages, and the origins of CORS_ORIGINS', async () => {
    expect((await request(api.app).post('/auth/login').set('X-Forwarded-For', newAddress()).send(users.reader)).status).toBe(200);
    const own = await request(api.app)
      .post('/auth/login')
      .set('X-Forwarded-For', newAddress())
      .set('Host', 'api.test')
      .set('Origin', 'http://api.test')
      .set('Sec-Fetch-Site', 'same-origin')
      .send(users.reader);
    expect(own.status).toBe(200);
    const listed = await request(api.app)
      .post('/auth/login')
      .set('X-Forwarded-For', newAddress())
      .set('Origin', 'https://app.example.com')
      .set('Sec-Fetch-Site', 'cross-site')
      .send(users.reader);
    expect(listed.status).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });
});
