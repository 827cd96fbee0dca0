// Verifies Cognito access tokens with aws-jwt-verify against the pool's JWKS; knows nothing of Express.
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwtExpiredError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { CognitoConfig } from '../config/config';
import { InvalidTokenError, TemporarilyUnavailableError } from '../errors';
import { TimeoutFetcher } from './jwks-fetcher';

/** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. */
export const CLOCK_SKEW_SECONDS = 60;

/** The claims of a verified Cognito access token that the service reads. */
export interface AccessTokenClaims {
  /** Subject: the user's id, or the client id for machine-to-machine tokens. */
  sub: string;
  /** Cognito username; absent from machine-to-machine tokens. */
  username?: string;
  /** The app client the token was issued to. */
  client_id: string;
  /** Always `access` once verified. */
  token_use: 'access';
  /** Space-separated scopes. */
  scope?: string;
  /** Cognito groups of the user. */
  'cognito:groups'?: string[];
  /** Token id. */
  jti?: string;
  /** Id of the first access token of the session; present on real Cognito. */
  origin_jti?: string;
  /** Issued at, epoch seconds. */
  iat?: number;
  /** Expires at, epoch seconds. */
  exp: number;
  /** When the user authenticated, epoch seconds. */
  auth_time?: number;
}

/** Verifies access tokens; replaceable where a test needs a verifier that can't be produced for real. */
export interface AccessTokenVerifier {
  /** Verifies signature and claims; throws InvalidTokenError, or TemporarilyUnavailableError when keys can't load. */
  verify(token: string): Promise<AccessTokenClaims>;
  /**
   * The same check, done at once when the keys it needs are in memory (the usual case: an RSA check is synchronous);
   * undefined when they are not, and only `verify` can fetch them. Throws as `verify` rejects. Optional: a verifier
   * without it is always asked through `verify`.
   */
  verifyWithLoadedKeys?(token: string): AccessTokenClaims | undefined;
  /** Fetches the signing keys into the cache. */
  loadKeys(): Promise<void>;
  /** True once the signing keys have been loaded. */
  keysLoaded(): boolean;
}

/** Checks the contract adds to aws-jwt-verify's: RS256 only, `exp` required, `iat` not in the future. */
function contractChecks({ header, payload }: { header: JwtHeader; payload: JwtPayload }): void {
  const refuse = (reason: string, message: string) => new InvalidTokenError(message, { reason });
  if (header.alg !== 'RS256') throw refuse('algorithm', 'The token must be signed with RS256.');
  // RFC 7515 §4.1.11: a recipient that does not understand every critical extension must refuse the token.
  if ('crit' in header) throw refuse('header', 'The token has critical header parameters this API does not support.');
  if (payload.exp === undefined) throw refuse('claims', 'The token has no expiry.');
  if (typeof payload.iat === 'number' && payload.iat - CLOCK_SKEW_SECONDS > Date.now() / 1000) {
    throw refuse('not_yet_valid', 'The token was issued in the future.');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw refuse('claims', 'The token has no subject.');
  // Every claim the service reads must be of its type: a claim of another type would skip a check or break one.
  for (const [claim, isValid] of CLAIM_TYPES) {
    if (claim in payload && payload[claim] !== undefined && !isValid(payload[claim])) {
      throw refuse('claims', `The token's ${claim} claim is not of its type.`);
    }
  }
}

const isSeconds = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
/** Unicode text: a lone surrogate (which JSON's `\ud800` can carry) is no character and can't be sent on as UTF-8. */
const isUnicode = (value: unknown): value is string => typeof value === 'string' && !/\p{Surrogate}/u.test(value);
const isText = (value: unknown) => isUnicode(value) && value !== '';

/** The claims the service reads beside those aws-jwt-verify checks, and the type each must have when present. */
const CLAIM_TYPES: [claim: string, isValid: (value: unknown) => boolean][] = [
  ['exp', isSeconds],
  ['iat', isSeconds],
  ['nbf', isSeconds],
  ['auth_time', isSeconds],
  ['sub', isText],
  ['username', isText],
  ['jti', isText],
  ['origin_jti', isText],
  ['scope', isUnicode],
  ['cognito:groups', (value) => Array.isArray(value) && value.every(isText)],
];

/** aws-jwt-verify's refusals, most specific class first: [class, reason (a metrics label), description]. */
const REFUSALS: [abstract new (...args: never[]) => Error, string, string][] = [
  [JwtExpiredError, 'expired', 'The token has expired.'],
  [JwtNotBeforeError, 'not_yet_valid', 'The token is not valid yet.'],
  [JwtInvalidIssuerError, 'issuer', 'The token was issued by another issuer.'],
  // CognitoJwtVerifier picks the pool by the token's `iss`; a token of a pool it wasn't given fails that lookup.
  [ParameterValidationError, 'issuer', 'The token was issued by another issuer.'],
  [CognitoJwtInvalidTokenUseError, 'token_use', 'The token is not an access token.'],
  [CognitoJwtInvalidClientIdError, 'client', 'The token was issued to a client this API does not accept.'],
  [JwtInvalidSignatureAlgorithmError, 'algorithm', 'The token must be signed with RS256.'],
  [JwtInvalidSignatureError, 'signature', 'The token signature is invalid.'],
  [KidNotFoundInJwksError, 'unknown_key', 'The token was signed with an unknown key.'],
  [WaitPeriodNotYetEndedJwkError, 'unknown_key', 'The token was signed with an unknown key.'],
  [JwtWithoutValidKidError, 'unknown_key', 'The token names no signing key.'],
  [JwtParseError, 'malformed', 'The token is malformed.'],
  [JwtInvalidClaimError, 'claims', 'The token has an invalid claim.'],
];

/** Turns aws-jwt-verify's errors into the contract's: 401 for the token's faults, 503 when keys can't be had. */
function mapVerifyError(err: unknown): Error {
  // Already the contract's (verify maps what verifyWithLoadedKeys threw a second time).
  if (err instanceof InvalidTokenError || err instanceof TemporarilyUnavailableError) return err;
  if (err instanceof FetchError || err instanceof JwksNotAvailableInCacheError || err instanceof JwksValidationError) {
    return new TemporarilyUnavailableError('The signing keys (JWKS) could not be loaded.', { retryAfterSeconds: 5, cause: err });
  }
  const [, reason, message] = REFUSALS.find(([type]) => err instanceof type) ?? [Error, 'invalid', 'The token is invalid.'];
  return new InvalidTokenError(message, { reason, cause: err });
}

type Verify = (token: string) => Promise<JwtPayload>;
type VerifySync = (token: string) => JwtPayload;

/** The aws-jwt-verify based verifier of this service. */
export class CognitoAccessTokenVerifier implements AccessTokenVerifier {
  private readonly verifyJwt: Verify;
  private readonly verifyJwtSync: VerifySync;
  private readonly hydrate: () => Promise<void>;
  private loaded = false;

  constructor(config: CognitoConfig, options: { fetcher?: Fetcher } = {}) {
    const jwksCache = new SimpleJwksCache({ fetcher: options.fetcher ?? new TimeoutFetcher() });
    if (config.awsIssuer) {
      // A real pool: aws-jwt-verify derives issuer and JWKS from the pool id and checks token_use and client_id.
      const verifier = CognitoJwtVerifier.create(
        {
          userPoolId: config.userPoolId,
          tokenUse: 'access',
          clientId: config.acceptedClientIds,
          graceSeconds: CLOCK_SKEW_SECONDS,
          customJwtCheck: contractChecks,
        },
        { jwksCache },
      );
      this.verifyJwt = (token) => verifier.verify(token);
      this.verifyJwtSync = (token) => verifier.verifySync(token);
      this.hydrate = () => verifier.hydrate();
    } else {
      // An overridden endpoint (cognito-local) or issuer: the generic verifier plus the same Cognito field checks.
      const verifier = JwtVerifier.create(
        {
          issuer: config.issuer,
          jwksUri: config.jwksUri,
          audience: null,
          graceSeconds: CLOCK_SKEW_SECONDS,
          customJwtCheck: ({ header, payload }) => {
            validateCognitoJwtFields(payload, { tokenUse: 'access', clientId: config.acceptedClientIds });
            contractChecks({ header, payload });
          },
        },
        { jwksCache },
      );
      this.verifyJwt = (token) => verifier.verify(token);
      this.verifyJwtSync = (token) => verifier.verifySync(token);
      this.hydrate = () => verifier.hydrate();
    }
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      const claims = this.verifyWithLoadedKeys(token);
      if (claims) return claims;
      const payload = await this.verifyJwt(token);
      this.loaded = true;
      return payload as unknown as AccessTokenClaims;
    } catch (err) {
      throw mapVerifyError(err);
    }
  }

  /** With the keys in memory the check is synchronous; a key not cached yet is left to `verify`'s fetching path. */
  verifyWithLoadedKeys(token: string): AccessTokenClaims | undefined {
    if (!this.loaded) return undefined;
    try {
      return this.verifyJwtSync(token) as unknown as AccessTokenClaims;
    } catch (err) {
      if (err instanceof KidNotFoundInJwksError || err instanceof JwksNotAvailableInCacheError) return undefined;
      throw mapVerifyError(err);
    }
  }

  async loadKeys(): Promise<void> {
    try {
      await this.hydrate();
      this.loaded = true;
    } catch (err) {
      throw mapVerifyError(err);
    }
  }

  keysLoaded(): boolean {
    return this.loaded;
  }
}

