// The adversarial token corpus: each token with the reason the API must give for refusing it (401 invalid_token).
import { accessClaims, foreignKey, signJwt } from './tokens';

/** The pool the corpus is minted for: its issuer, app client and signing key. */
export interface CorpusPool {
  /** The pool's issuer. */
  issuer: string;
  /** An issuer of another pool on the same host. */
  otherIssuer: string;
  /** The app client whose tokens the API accepts. */
  clientId: string;
  /** The pool's private key (PEM): tokens signed with it verify. */
  privatePem: string;
  /** The pool's public key (PEM), as an attacker has it. */
  publicPem: string;
  /** The pool key's `kid`. */
  kid: string;
}

/** `[what the token is, how to mint it, the error_description it must get]`. */
export type CorpusCase = [string, () => string, string];

/** Tokens an attacker (or a broken client) may send, for `pool`. */
export function adversarialTokens(pool: CorpusPool): CorpusCase[] {
  const now = () => Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: pool.kid };
  const claims = () => accessClaims(pool.issuer, pool.clientId);
  const mint = (overrides: Record<string, unknown> = {}) => signJwt(header, accessClaims(pool.issuer, pool.clientId, overrides), pool.privatePem);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const validParts = () => mint().split('.');
  const attackerJwks = 'http://127.0.0.1:9/attacker/jwks.json';

  return [
    ['expired', () => mint({ exp: now() - 120 }), 'The token has expired.'],
    ['not yet valid (nbf in the future)', () => mint({ nbf: now() + 600 }), 'The token is not valid yet.'],
    ['issued in the future (iat)', () => mint({ iat: now() + 600 }), 'The token was issued in the future.'],
    ['without exp', () => mint({ exp: undefined }), 'The token has no expiry.'],
    ['with exp as a string', () => mint({ exp: String(now() + 600) }), 'The token is malformed.'],
    ['of another issuer', () => signJwt(header, accessClaims(pool.otherIssuer, pool.clientId), pool.privatePem), 'The token was issued by another issuer.'],
    ['of an issuer with the right one as prefix', () => signJwt(header, accessClaims(`${pool.issuer}x`, pool.clientId), pool.privatePem), 'The token was issued by another issuer.'],
    ['of an issuer that is a prefix of the right one', () => signJwt(header, accessClaims(pool.issuer.slice(0, -1), pool.clientId), pool.privatePem), 'The token was issued by another issuer.'],
    ['of another client', () => signJwt(header, accessClaims(pool.issuer, 'someotherclient'), pool.privatePem), 'The token was issued to a client this API does not accept.'],
    [
      'an ID token',
      () => signJwt(header, { ...claims(), token_use: 'id', aud: pool.clientId, client_id: undefined }, pool.privatePem),
      'The token is not an access token.',
    ],
    ["signed by a foreign key with the pool's kid", () => signJwt(header, claims(), foreignKey()), 'The token signature is invalid.'],
    ['with alg none and no signature', () => signJwt({ alg: 'none', typ: 'JWT', kid: pool.kid }, claims(), pool.privatePem), 'The token is malformed.'],
    ['with alg none and a signature', () => `${signJwt({ alg: 'none', typ: 'JWT', kid: pool.kid }, claims(), pool.privatePem)}c2ln`, 'The token must be signed with RS256.'],
    ['with alg None', () => `${signJwt({ alg: 'None', typ: 'JWT', kid: pool.kid }, claims(), pool.privatePem)}c2ln`, 'The token must be signed with RS256.'],
    ['with alg NONE', () => `${signJwt({ alg: 'NONE', typ: 'JWT', kid: pool.kid }, claims(), pool.privatePem)}c2ln`, 'The token must be signed with RS256.'],
    ["HS256-signed with the pool's public key", () => signJwt({ alg: 'HS256', typ: 'JWT', kid: pool.kid }, claims(), pool.publicPem), 'The token must be signed with RS256.'],
    ["HS512-signed with the pool's public key", () => signJwt({ alg: 'HS512', typ: 'JWT', kid: pool.kid }, claims(), pool.publicPem), 'The token must be signed with RS256.'],
    ["RS384-signed with the pool's own key", () => signJwt({ alg: 'RS384', typ: 'JWT', kid: pool.kid }, claims(), pool.privatePem), 'The token must be signed with RS256.'],
    ['signed by a key the pool no longer has (deleted key set)', () => signJwt({ ...header, kid: 'rotated-away' }, claims(), foreignKey()), 'The token was signed with an unknown key.'],
    ['with a kid of path characters', () => signJwt({ ...header, kid: '../../../../etc/passwd' }, claims(), pool.privatePem), 'The token was signed with an unknown key.'],
    ["with a kid of SQL characters", () => signJwt({ ...header, kid: "' OR '1'='1' --" }, claims(), pool.privatePem), 'The token was signed with an unknown key.'],
    ['without a kid', () => signJwt({ alg: 'RS256', typ: 'JWT' }, claims(), pool.privatePem), 'The token names no signing key.'],
    ['signed by a foreign key, with jku pointing at its JWKS', () => signJwt({ ...header, jku: attackerJwks }, claims(), foreignKey()), 'The token signature is invalid.'],
    ['signed by a foreign key, with x5u pointing at its certificate', () => signJwt({ ...header, x5u: attackerJwks }, claims(), foreignKey()), 'The token signature is invalid.'],
    [
      'signed by a foreign key that it embeds as a jwk header',
      () => signJwt({ ...header, jwk: { kty: 'RSA', e: 'AQAB', n: 'attacker' } }, claims(), foreignKey()),
      'The token signature is invalid.',
    ],
    ['with a crit header (pool-signed)', () => signJwt({ ...header, crit: ['exp'] }, claims(), pool.privatePem), 'The token has critical header parameters this API does not support.'],
    ['truncated to two segments', () => validParts().slice(0, 2).join('.'), 'The token is malformed.'],
    ['with an extra segment', () => `${validParts().join('.')}.extra`, 'The token is malformed.'],
    ['with a payload of non-base64url bytes', () => { const p = validParts(); return `${p[0]}.ab+/cd.${p[2]}`; }, 'The token is malformed.'],
    ['with a payload that is a JSON array', () => { const p = validParts(); return `${p[0]}.${b64([1, 2])}.${p[2]}`; }, 'The token is malformed.'],
    ['with a tampered payload', () => { const p = validParts(); return `${p[0]}.${b64({ ...claims(), sub: 'admin' })}.${p[2]}`; }, 'The token signature is invalid.'],
    ['that is not a JWT', () => 'abc.def.ghi', 'The token is malformed.'],
    // Pool-signed tokens whose claims the service reads are of the wrong type: each would skip a check or break one.
    // aws-jwt-verify itself refuses iat, scope and jti of the wrong type as malformed; the service checks the rest.
    ['with iat of the wrong type ("yesterday")', () => mint({ iat: 'yesterday' }), 'The token is malformed.'],
    ['with scope of the wrong type (["books/write"])', () => mint({ scope: ['books/write'] }), 'The token is malformed.'],
    ['with jti of the wrong type ({"id":1})', () => mint({ jti: { id: 1 } }), 'The token is malformed.'],
    ...(
      [
        ['auth_time', 'abc'],
        ['auth_time', {}],
        ['auth_time', -5],
        ['username', { admin: true }],
        ['username', ['reader']],
        ['cognito:groups', 'editors'],
        ['cognito:groups', [{}]],
        ['origin_jti', 42],
      ] as const
    ).map(([claim, value]): CorpusCase => [
      `with ${claim} of the wrong type (${JSON.stringify(value)})`,
      () => mint({ [claim]: value }),
      `The token's ${claim} claim is not of its type.`,
    ]),
  ];
}
