// Logout-all cut-offs: how a stored cut-off is read back, and which tokens it refuses.
import { isRevoked } from '../../src/denylist/denylist-store';
import { shortDigest } from '../../src/redis/keys';
import { parseCutoff } from '../../src/denylist/redis-denylist-store';

const NOW = 1_800_000_000;

describe('parseCutoff (the Redis value `<cutoff>[ <spared session digest>]`)', () => {
  it.each([
    ['a cut-off', `${NOW - 10}`, 'any-session', NOW - 10],
    ['a cut-off that spares another session', `${NOW - 10} ${shortDigest('spared')}`, 'any-session', NOW - 10],
    ['a cut-off that spares this session', `${NOW - 10} ${shortDigest('spared')}`, 'spared', null],
    ['a spared session id with spaces and colons', `${NOW - 10} ${shortDigest('a b:c')}`, 'a b:c', null],
    ['no key', null, 'any-session', null],
    ['an empty value', '', 'any-session', null],
  ])('reads %s', (_name, value, sessionId, expected) => {
    expect(parseCutoff(value, sessionId)).toBe(expected);
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
