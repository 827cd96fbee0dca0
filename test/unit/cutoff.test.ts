// Logout-all cut-offs: how a stored cut-off is read back, and which tokens it refuses.
import { isRevoked } from '../../src/denylist/denylist-store';
import { parseCutoff } from '../../src/denylist/redis-denylist-store';

const NOW = 1_800_000_000;

describe('parseCutoff (the Redis field `<cutoff>[:<spared session>]:<expiry>`)', () => {
  it.each([
    ['a live cut-off', `${NOW - 10}:${NOW + 60}`, 'any-session', NOW - 10],
    ['a live cut-off that spares another session', `${NOW - 10}:spared:${NOW + 60}`, 'any-session', NOW - 10],
    ['a live cut-off that spares this session', `${NOW - 10}:spared:${NOW + 60}`, 'spared', null],
    ['a spared session id that contains colons', `${NOW - 10}:a:b:c:${NOW + 60}`, 'a:b:c', null],
    ['an expired cut-off', `${NOW - 10}:${NOW}`, 'any-session', null],
    ['no field', null, 'any-session', null],
    ['an empty field', '', 'any-session', null],
  ])('reads %s', (_name, value, sessionId, expected) => {
    expect(parseCutoff(value, sessionId, NOW)).toBe(expected);
  });
});

describe('isRevoked', () => {
  it('refuses a token authenticated at or before the cut-off second, and admits one after it', () => {
    const revocation = { sessionRevoked: false, cutoff: NOW };
    expect(isRevoked(revocation, NOW - 1)).toBe(true);
    expect(isRevoked(revocation, NOW)).toBe(true);
    expect(isRevoked(revocation, NOW + 1)).toBe(false);
  });

  it('refuses a logged-out session whatever the cut-off, and admits a token with no revocation at all', () => {
    expect(isRevoked({ sessionRevoked: true, cutoff: null }, NOW + 100)).toBe(true);
    expect(isRevoked({ sessionRevoked: false, cutoff: null }, 0)).toBe(false);
  });
});
