// Assertions several test files share.
import type { Response } from 'supertest';

/** A dependency-down answer: 503 temporarily_unavailable with a positive Retry-After. */
export function expectUnavailable(response: Response): void {
  expect(response.status).toBe(503);
  expect(response.body.error).toBe('temporarily_unavailable');
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}

/** The answer to a token whose session logged out: 401 invalid_token with the reason, in the body and the challenge. */
export function expectLoggedOut(response: Response): void {
  const description = 'The session of this token has logged out.';
  expect(response.status).toBe(401);
  expect(response.body).toEqual({ error: 'invalid_token', error_description: description });
  expect(response.headers['www-authenticate']).toBe(`Bearer realm="api", error="invalid_token", error_description="${description}"`);
}

/** A refused refresh: 400 invalid_grant with the reason (the service's own record, or Cognito's refusal). */
export function expectRefreshRefused(response: Response, by: 'logged-out session' | 'cognito'): void {
  expect(response.status).toBe(400);
  expect(response.body).toEqual({
    error: 'invalid_grant',
    error_description:
      by === 'cognito' ? 'The refresh token is invalid, expired or revoked.' : 'The session of this refresh token has logged out.',
  });
}
