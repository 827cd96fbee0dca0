// Assertions several test files share.
import type { Response } from 'supertest';

/** A dependency-down answer: 503 temporarily_unavailable with a positive Retry-After. */
export function expectUnavailable(response: Response): void {
  expect(response.status).toBe(503);
  expect(response.body.error).toBe('temporarily_unavailable');
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}
