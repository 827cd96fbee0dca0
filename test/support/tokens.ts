// Mints JWTs for tests: with cognito-local's signing key (which ships in the package) or any other key.
import { createHmac, createPrivateKey, createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import privateKey from 'cognito-local/lib/keys/cognitoLocal.private.json';
import publicKey from 'cognito-local/lib/keys/cognitoLocal.public.json';

/** cognito-local's private key: tokens signed with it verify through the real JWKS. */
export const POOL_PRIVATE_PEM: string = privateKey.pem;
/** cognito-local's public key, as an attacker would have it. */
export const POOL_PUBLIC_PEM: string = publicKey.pem;
/** cognito-local's private key, parsed once: parsing the PEM costs more than the signature (the bench mints 100 k). */
const POOL_PRIVATE_KEY: KeyObject = createPrivateKey(POOL_PRIVATE_PEM);
/** The `kid` cognito-local signs with. */
export const POOL_KID = 'CognitoLocal';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** Signs `payload` with `header` as given: RS* with a private key (PEM or parsed), HS* with a secret, `none` unsigned. */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: string | KeyObject = POOL_PRIVATE_PEM): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const alg = String(header.alg);
  if (alg.toLowerCase() === 'none') return `${input}.`;
  if (alg.startsWith('HS')) {
    return `${input}.${createHmac(`sha${alg.slice(2)}`, key).update(input).digest('base64url')}`;
  }
  const signature = createSign(`RSA-SHA${alg.slice(2)}`).update(input).sign(key);
  return `${input}.${b64url(signature)}`;
}

/** A foreign RSA key pair, unknown to the pool. */
export function foreignKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

/** The claims of an access token the pool would issue to `clientId` now; override any of them. */
export function accessClaims(issuer: string, clientId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: randomUUID(),
    username: 'minted-user',
    client_id: clientId,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    jti: randomUUID(),
    iss: issuer,
    iat: now,
    auth_time: now,
    exp: now + 3600,
    ...overrides,
  };
}

/** An access token signed with the pool's key (RS256, kid CognitoLocal). */
export function mintAccessToken(issuer: string, clientId: string, overrides: Record<string, unknown> = {}): string {
  return signJwt({ alg: 'RS256', typ: 'JWT', kid: POOL_KID }, accessClaims(issuer, clientId, overrides), POOL_PRIVATE_KEY);
}
