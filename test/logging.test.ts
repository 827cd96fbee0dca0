// Request logs: one line per request with a request id, and no password, token or secret in them.
import { Writable } from 'node:stream';
import request from 'supertest';
import { computeSecretHash } from '../src/cognito/cognito-client';
import { createLogger } from '../src/logger';
import { stack, TestFleet, users } from './support/stack';

const fleet = new TestFleet();
afterAll(() => fleet.close());

/** A logger whose output the test reads. */
function capturedLogger(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger('debug', stream) };
}

describe('request logging', () => {
  it('logs a full login, refresh and logout without any credential', async () => {
    const { lines, logger } = capturedLogger();
    const api = await fleet.instance({ logger });
    const login = await request(api.app).post('/auth/login').set('X-Request-Id', 'trace-123').send(users.editor).expect(200);
    const { access_token: access, id_token: id, refresh_token: refresh } = login.body;
    await request(api.app).post('/auth/refresh').send({ refresh_token: refresh }).expect(200);
    await request(api.app).get(`/auth/me?access_token=${access}`).expect(400);
    await request(api.app).post('/auth/logout').set('Authorization', `Bearer ${access}`).send({ refresh_token: refresh }).expect(204);
    await request(api.app).post('/auth/login').send({ username: users.editor.username, password: 'Wrong-secret-9' }).expect(401);

    const output = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(JSON.parse(lines.find((line) => line.includes('trace-123')) ?? '{}')).toMatchObject({
      req: { id: 'trace-123', method: 'POST', path: '/auth/login' },
      res: { statusCode: 200 },
    });
    const secrets = [
      users.editor.password,
      'Wrong-secret-9',
      access,
      id,
      refresh,
      stack.clientSecret,
      computeSecretHash(stack.clientSecret, users.editor.username, stack.clientId),
    ];
    for (const secret of secrets) expect(output).not.toContain(secret);
  });

  it('logs cognito-local\'s missing ResendConfirmationCode (501) as one warning line without a stack', async () => {
    const { lines, logger } = capturedLogger();
    const api = await fleet.instance({ logger });
    await request(api.app).post('/auth/resend-code').send({ username: users.reader.username }).expect(501);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'request completed: the Cognito endpoint does not implement this call',
        req: expect.objectContaining({ method: 'POST', path: '/auth/resend-code' }),
        res: { statusCode: 501 },
        err: { type: 'UnsupportedByCognitoError', message: expect.stringContaining('ResendConfirmationCode') },
      }),
    ]);
    expect(lines.join('\n')).not.toContain('stack');
  });

  it('echoes the request id, or makes one when the caller sent none or a bad one', async () => {
    const api = await fleet.instance();
    const given = await request(api.app).get('/healthz').set('X-Request-Id', 'abc-1');
    expect(given.headers['x-request-id']).toBe('abc-1');
    const bad = await request(api.app).get('/healthz').set('X-Request-Id', 'no spaces allowed');
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
