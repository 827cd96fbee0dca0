// The session-events Lambda: Cognito calls made without the service (console, CLI, other apps) end the user's sessions.
import type { Redis } from 'ioredis';
import request from 'supertest';
import adminSetPassword from './fixtures/cloudtrail/admin-set-user-password-username-only.json';
import adminSignOut from './fixtures/cloudtrail/admin-user-global-sign-out.json';
import noUser from './fixtures/cloudtrail/admin-user-global-sign-out-no-user.json';
import otherPool from './fixtures/cloudtrail/admin-disable-user-other-pool.json';
import changePassword from './fixtures/cloudtrail/change-password.json';
import failedChange from './fixtures/cloudtrail/change-password-failed.json';
import globalSignOut from './fixtures/cloudtrail/global-sign-out.json';
import malformed from './fixtures/cloudtrail/malformed.json';
import type { RedisDenylistStore } from '../src/denylist/redis-denylist-store';
import { TemporarilyUnavailableError } from '../src/errors';
import { createSessionEventsHandler } from '../src/lambda/session-events';
import { expectLoggedOut, expectRefreshRefused } from './support/assertions';
import { closedUrl, invokeColdStart, lambdaEnv, Runtimes } from './support/lambdas';
import { claimsOf, login, stack, TestFleet, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';
import { createUser, type TestUser } from './support/users';

const fleet = new TestFleet();
const runtimes = new Runtimes();
let api: TestApp;
let redis: Redis;
beforeAll(async () => {
  api = await fleet.instance();
  redis = await fleet.client();
});
afterAll(async () => {
  await runtimes.close();
  await fleet.close();
});

type Fixture = { detail: { eventTime: string; requestParameters?: Record<string, unknown> | string | null; additionalEventData?: Record<string, unknown> } };

const FIXTURE_POOL = 'eu-west-1_AbCdEf123';
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A fixture record about the suite's pool and `user`, made at second `at` (default now). Only the fields the
 * record has are filled in: a hidden username stays hidden, an absent sub stays absent, another pool stays another.
 */
function recordFor(fixture: object, user: { username?: string; sub?: string }, at = nowSeconds()): object {
  const event = structuredClone(fixture) as Fixture & { time: string };
  const time = new Date(at * 1000).toISOString().replace('.000', '');
  event.time = time;
  event.detail.eventTime = time;
  const requestParameters = typeof event.detail.requestParameters === 'object' ? event.detail.requestParameters : null;
  const additional = event.detail.additionalEventData;
  if (requestParameters?.userPoolId === FIXTURE_POOL) requestParameters.userPoolId = stack.userPoolId;
  if (additional?.userPoolId === FIXTURE_POOL) additional.userPoolId = stack.userPoolId;
  if (requestParameters?.username === 'jane.doe' && user.username) requestParameters.username = user.username;
  if (additional && 'sub' in additional && user.sub) additional.sub = user.sub;
  return event;
}

/** A new user, logged in through the service. */
async function loggedInUser(): Promise<{ user: TestUser; sub: string; tokens: Awaited<ReturnType<typeof login>> }> {
  const user = await createUser();
  const tokens = await login(api.app, user);
  return { user, tokens, sub: String(claimsOf(tokens.access_token).sub) };
}

const me = (token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);

/** The handler on the suite's stack, logging into a capture. */
function sessionEvents(env = lambdaEnv(fleet.prefix)) {
  const { runtime, lines } = runtimes.make(env);
  return { handle: createSessionEventsHandler(runtime), lines };
}

describe('the session-events handler', () => {
  it('ends the sessions of a user an admin signed out, named by sub with the username hidden', async () => {
    const { user, sub, tokens } = await loggedInUser();
    const { handle } = sessionEvents();
    const at = nowSeconds();

    expect(await handle(recordFor(adminSignOut, { sub }, at))).toEqual({ ended: true, eventName: 'AdminUserGlobalSignOut', sub, cutoff: at });

    expectLoggedOut(await me(tokens.access_token));
    expectRefreshRefused(await request(api.app).post('/auth/refresh').send({ refresh_token: tokens.refresh_token }), 'logged-out session');
    const after = await login(api.app, user);
    expect((await me(after.access_token)).status).toBe(200);
  });

  it('finds the sub with AdminGetUser (on cognito-local) when the record names only a username', async () => {
    const { user, sub, tokens } = await loggedInUser();
    const { handle } = sessionEvents();
    expect(await handle(recordFor(adminSetPassword, { username: user.username }))).toMatchObject({ ended: true, eventName: 'AdminSetUserPassword', sub });
    expectLoggedOut(await me(tokens.access_token));
  });

  it.each([
    ['GlobalSignOut, whose record names the pool in additionalEventData', globalSignOut],
    ['ChangePassword, whose record names no pool: the sub alone', changePassword],
  ])('takes a call made with the user\'s access token: %s', async (_case, fixture) => {
    const { sub, tokens } = await loggedInUser();
    const { handle } = sessionEvents();
    expect(await handle(recordFor(fixture, { sub }))).toMatchObject({ ended: true, sub });
    expectLoggedOut(await me(tokens.access_token));
  });

  it('cuts at the call\'s second, not the event\'s arrival: a login made in between keeps working', async () => {
    const { user, sub } = await loggedInUser();
    const call = nowSeconds() - 30;
    // Emulation, labelled: a login from before the call, with a real pool's shape (auth_time earlier than iat), on a
    // store that has kept everything since before it.
    await fleet.backdateStore(3600);
    const before = mintAccessToken(stack.issuer, stack.clientId, { sub, username: user.username, auth_time: call - 600, iat: call - 60 });
    expect((await me(before)).status).toBe(200);
    const since = await login(api.app, user);

    const { handle } = sessionEvents();
    expect(await handle(recordFor(adminSignOut, { sub }, call))).toMatchObject({ ended: true, cutoff: call });
    expectLoggedOut(await me(before));
    expect((await me(since.access_token)).status).toBe(200);
  });

  it('undoes nothing when it arrives after a later logout-all of the user', async () => {
    const { user, sub, tokens } = await loggedInUser();
    const call = nowSeconds() - 30;
    expect((await request(api.app).post('/auth/logout-all').set('Authorization', `Bearer ${tokens.access_token}`)).status).toBe(204);
    const since = await login(api.app, user);

    const { handle, lines } = sessionEvents();
    await handle(recordFor(adminSignOut, { sub }, call));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'session-events: sessions ended', written: false, cutoff: call }));
    expectLoggedOut(await me(tokens.access_token));
    expect((await me(since.access_token)).status).toBe(200);
  });

  it('keeps the session a password change through the service spared, when CloudTrail\'s record of that change arrives', async () => {
    const { user, sub, tokens: caller } = await loggedInUser();
    const other = await login(api.app, user);
    const changed = await request(api.app)
      .post('/auth/change-password')
      .set('Authorization', `Bearer ${caller.access_token}`)
      .send({ old_password: user.password, new_password: `${user.password}-2` });
    expect(changed.status).toBe(204);
    // The record of the service's own ChangePassword names the second the service cut at (or the one before).
    const stored = await redis.get((api.denylist as RedisDenylistStore).keys.user(sub));
    const cutoff = Number(stored?.split(' ')[0]);

    const { handle } = sessionEvents();
    expect(await handle(recordFor(changePassword, { sub }, cutoff))).toMatchObject({ ended: true, cutoff });
    expect((await me(caller.access_token)).status).toBe(200);
    expectLoggedOut(await me(other.access_token));
  });

  it('works on the first invocation after a cold start, configured by the service\'s own variables', async () => {
    const { sub, tokens } = await loggedInUser();
    expect(await invokeColdStart('../../src/lambda/session-events', lambdaEnv(fleet.prefix), recordFor(adminSignOut, { sub }))).toMatchObject({ ended: true, sub });
    expectLoggedOut(await me(tokens.access_token));
  });
});

describe('the session-events handler skips, logs and answers (never throws) an event', () => {
  it.each([
    ['of another user pool', otherPool, { sub: true }, 'other-pool', 30],
    ['naming no user (username hidden, no sub)', noUser, {}, 'no-user', 40],
    ['of a failed call (CloudTrail records those too)', failedChange, { sub: true }, 'failed-call', 30],
    ['that is malformed', malformed, { sub: true }, 'malformed', 40],
    ['naming a username the pool does not have', adminSetPassword, { username: 'nobody-here' }, 'unknown-user', 40],
  ])('%s', async (_case, fixture, names: { sub?: boolean; username?: string }, reason, level) => {
    const { sub, tokens } = await loggedInUser();
    const { handle, lines } = sessionEvents();
    const record = recordFor(fixture, { sub: names.sub ? sub : undefined, username: names.username });

    expect(await handle(record)).toEqual({ ended: false, reason });
    expect(lines).toContainEqual(expect.objectContaining({ level, reason }));
    expect((await me(tokens.access_token)).status).toBe(200);
    expect(await redis.get((api.denylist as RedisDenylistStore).keys.user(sub))).toBeNull();
  });
});

describe('the session-events handler when what it depends on is down', () => {
  it('throws when Redis can\'t be reached, within bounds, so Lambda retries the event and then keeps it', async () => {
    const { sub, tokens } = await loggedInUser();
    const { handle, lines } = sessionEvents(lambdaEnv(fleet.prefix, { REDIS_URL: await closedUrl('redis') }));
    const started = Date.now();
    await expect(handle(recordFor(adminSignOut, { sub }))).rejects.toBeInstanceOf(TemporarilyUnavailableError);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, eventName: 'AdminUserGlobalSignOut', msg: expect.stringContaining('retry') }));
    expect((await me(tokens.access_token)).status).toBe(200);
  });

  it('throws when Cognito can\'t be asked for the username\'s sub now', async () => {
    const { user } = await loggedInUser();
    const { handle } = sessionEvents(lambdaEnv(fleet.prefix, { COGNITO_ENDPOINT: await closedUrl('http') }));
    await expect(handle(recordFor(adminSetPassword, { username: user.username }))).rejects.toBeInstanceOf(TemporarilyUnavailableError);
  });
});
