// An Amazon Cognito pool in memory for unit tests: its own RSA key pair, its JWKS, its configuration; no network.
import { generateKeyPairSync } from 'node:crypto';
import type { Fetcher } from 'aws-jwt-verify/https';
import { loadConfig, type Config } from '../../../src/config/config';
import { accessClaims, signJwt } from '../../support/tokens';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });

export const REGION = 'eu-west-1';
export const POOL_ID = 'eu-west-1_UnitPool1';
/** The issuer Amazon Cognito gives this pool's tokens. */
export const ISSUER = `https://cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`;
export const CLIENT_ID = 'unitclient1';
export const CLIENT_SECRET = 'unit-client-secret';
/** A machine-to-machine app client the API also accepts. */
export const M2M_CLIENT_ID = 'machineclient1';
export const KID = 'unit-key-1';
export const PRIVATE_PEM = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
export const PUBLIC_PEM = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** The pool's JWKS, as Amazon Cognito serves it. */
export const JWKS = { keys: [{ ...keys.publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] };

/** The configuration of an API in front of this pool on AWS (no COGNITO_ENDPOINT: aws-jwt-verify's Cognito verifier). */
export function awsConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    AWS_REGION: REGION,
    COGNITO_USER_POOL_ID: POOL_ID,
    COGNITO_CLIENT_ID: CLIENT_ID,
    COGNITO_CLIENT_SECRET: CLIENT_SECRET,
    COGNITO_ALLOWED_CLIENT_IDS: M2M_CLIENT_ID,
    // The app client these units stand for allows USER_PASSWORD_AUTH; sign-in-calls.test.ts tries the others.
    COGNITO_SIGN_IN_FLOW: 'password',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** A Fetcher that serves the pool's JWKS from memory and records what was asked for. */
export class InMemoryJwks implements Fetcher {
  readonly requested: string[] = [];
  async fetch(uri: string): Promise<ArrayBuffer> {
    this.requested.push(uri);
    return new TextEncoder().encode(JSON.stringify(JWKS)).buffer as ArrayBuffer;
  }
}

/**
 * The claims of an access token Amazon Cognito issues at a password login: `origin_jti`, `event_id` and `version`
 * included, which cognito-local leaves out. Override any of them.
 */
export function cognitoAccessClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return accessClaims(ISSUER, CLIENT_ID, {
    username: 'b1c2d3e4-0000-4000-8000-internal',
    origin_jti: 'origin-jti-of-the-session',
    event_id: 'e0e0e0e0-1111-4222-8333-444455556666',
    version: 2,
    scope: 'aws.cognito.signin.user.admin',
    ...overrides,
  });
}

/** Signs claims with the pool's key, as Amazon Cognito would. */
export function signed(claims: Record<string, unknown>): string {
  return signJwt({ alg: 'RS256', kid: KID }, claims, PRIVATE_PEM);
}
