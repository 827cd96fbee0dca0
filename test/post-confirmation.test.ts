// The Post Confirmation trigger: a password reset confirmed outside the service ends every earlier session, at once.
import request from 'supertest';
import forgotPassword from './fixtures/cognito-triggers/post-confirmation-forgot-password.json';
import signUp from './fixtures/cognito-triggers/post-confirmation-sign-up.json';
import { createPostConfirmationHandler, type PostConfirmationEvent } from '../src/lambda/post-confirmation';
import { expectLoggedOut, expectRefreshRefused } from './support/assertions';
import { closedUrl, invokeColdStart, lambdaEnv, Runtimes } from './support/lambdas';
import { claimsOf, login, stack, TestFleet, type TestApp } from './support/stack';
import { createUser, type TestUser } from './support/users';

const fleet = new TestFleet();
const runtimes = new Runtimes();
let api: TestApp;
beforeAll(async () => {
  api = await fleet.instance();
});
afterAll(async () => {
  await runtimes.close();
  await fleet.close();
});

/** A fixture event for the suite's pool and `user`, who has logged in and holds `tokens`. */
function eventFor(fixture: PostConfirmationEvent, user: TestUser, sub: string): PostConfirmationEvent {
  const event = structuredClone(fixture);
  event.userPoolId = stack.userPoolId;
  event.userName = user.username;
  event.request.userAttributes.sub = sub;
  return event;
}

/** A new user, logged in through the service. */
async function loggedInUser() {
  const user = await createUser();
  const tokens = await login(api.app, user);
  return { user, tokens, sub: String(claimsOf(tokens.access_token).sub) };
}

const me = (token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);

describe('the Post Confirmation trigger on a password reset', () => {
  it('answers Cognito with the event, and from then on the service refuses every token of the user issued before', async () => {
    const { user, tokens, sub } = await loggedInUser();
    expect((await me(tokens.access_token)).status).toBe(200);
    const trigger = createPostConfirmationHandler(runtimes.make(lambdaEnv(fleet.prefix)).runtime);

    const event = eventFor(forgotPassword, user, sub);
    const sent = structuredClone(event);
    const answer = await trigger(event);
    expect(answer).toBe(event);
    expect(answer).toEqual(sent);

    expectLoggedOut(await me(tokens.access_token));
    expectRefreshRefused(await request(api.app).post('/auth/refresh').send({ refresh_token: tokens.refresh_token }), 'logged-out session');
    // The trigger answers only once the cut-off second is over, so the new password works at once.
    const after = await login(api.app, user);
    expect((await me(after.access_token)).status).toBe(200);
  });

  it('works on the first invocation after a cold start, configured by the service\'s own variables', async () => {
    const { user, tokens, sub } = await loggedInUser();
    const event = eventFor(forgotPassword, user, sub);
    expect(await invokeColdStart('../../src/lambda/post-confirmation', lambdaEnv(fleet.prefix), event)).toBe(event);
    expectLoggedOut(await me(tokens.access_token));
  });

  it('fails open when Redis can\'t be reached: the reset completes well within Cognito\'s 5 s, and the miss is logged', async () => {
    const { user, tokens, sub } = await loggedInUser();
    const { runtime, lines } = runtimes.make(lambdaEnv(fleet.prefix, { REDIS_URL: await closedUrl('redis') }));
    const trigger = createPostConfirmationHandler(runtime);

    const event = eventFor(forgotPassword, user, sub);
    const started = Date.now();
    expect(await trigger(event)).toBe(event);
    expect(Date.now() - started).toBeLessThan(2500);

    const miss = lines.find((line) => line.level === 50);
    expect(miss).toMatchObject({ sub, msg: expect.stringContaining('were NOT ended') });
    expect(miss?.err).toMatchObject({ type: 'TemporarilyUnavailableError' });
    // What failing open costs: the sessions before the reset stay until someone ends them.
    expect((await me(tokens.access_token)).status).toBe(200);
  });
});

describe('the Post Confirmation trigger on anything else', () => {
  it('leaves the sessions of a confirmed sign-up alone', async () => {
    const { user, tokens, sub } = await loggedInUser();
    const trigger = createPostConfirmationHandler(runtimes.make(lambdaEnv(fleet.prefix)).runtime);
    const event = eventFor(signUp, user, sub);
    expect(await trigger(event)).toBe(event);
    expect((await me(tokens.access_token)).status).toBe(200);
    expect((await api.denylist.getRevocation(sub, 'any')).cutoff).toBeNull();
  });

  it.each([
    ['another user pool', (event: PostConfirmationEvent) => ({ ...event, userPoolId: 'eu-west-1_ZyXwVu987' }), 40, 'another user pool'],
    ['no sub', (event: PostConfirmationEvent) => ({ ...event, request: { userAttributes: {} } }), 50, 'carries no sub'],
  ])('answers an event of %s untouched, ends nothing and logs why', async (_case, change, level, message) => {
    const { user, tokens, sub } = await loggedInUser();
    const { runtime, lines } = runtimes.make(lambdaEnv(fleet.prefix));
    const event = change(eventFor(forgotPassword, user, sub));
    expect(await createPostConfirmationHandler(runtime)(event)).toBe(event);
    expect((await me(tokens.access_token)).status).toBe(200);
    expect(lines).toContainEqual(expect.objectContaining({ level, msg: expect.stringContaining(message) }));
  });
});
