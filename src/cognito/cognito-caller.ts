// One SDK client for every Cognito call the service makes: timeouts, the call deadline, SECRET_HASH, error mapping.
import { createHmac } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { CognitoConfig } from '../config/config';
import { mapCognitoError, type Operation } from './cognito-errors';

/**
 * Timeouts and retries of the SDK, chosen so a dead or hung Cognito answers 503 within 5 s, never hangs:
 * a connection must open in 1 s and an answer come in 2 s, one retry, and the whole call is cut at 5 s.
 * Cognito's own p99 is well under a second, so these bounds only bite when something is wrong.
 */
const SDK_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true } as const;
const SDK_MAX_ATTEMPTS = 2;
/** Upper bound of one Cognito call, retries included. */
export const COGNITO_CALL_DEADLINE_MS = 5000;

/** Sends Cognito calls for the app client of `config`; shared by the auth and the account calls. */
export class CognitoCaller {
  /** The SDK client; tests pass one with recording or labelled-fake middleware. */
  readonly client: CognitoIdentityProviderClient;

  constructor(
    readonly config: CognitoConfig,
    client?: CognitoIdentityProviderClient,
  ) {
    this.client =
      client ??
      new CognitoIdentityProviderClient({
        region: config.region,
        endpoint: config.endpoint,
        maxAttempts: SDK_MAX_ATTEMPTS,
        requestHandler: SDK_TIMEOUTS,
        // These operations are unsigned; a local endpoint gets placeholder credentials so the SDK never looks.
        ...(config.endpoint ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      });
  }

  /** The SECRET_HASH auth parameter (InitiateAuth, RespondToAuthChallenge), when the app client has a secret. */
  secretHash(username: string): { SECRET_HASH?: string } {
    const value = this.secretHashValue(username);
    return value ? { SECRET_HASH: value } : {};
  }

  /** The `SecretHash` field of the account calls (SignUp, ConfirmSignUp, …), when the app client has a secret. */
  secretHashValue(username: string): string | undefined {
    return this.config.clientSecret
      ? computeSecretHash(this.config.clientSecret, username, this.config.clientId)
      : undefined;
  }

  /** Runs one call under the deadline; any failure becomes the contract's error for `operation`. */
  async send<T>(operation: Operation, call: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
    try {
      return await call({ abortSignal: AbortSignal.timeout(COGNITO_CALL_DEADLINE_MS) });
    } catch (err) {
      throw mapCognitoError(operation, err);
    }
  }
}

/** SECRET_HASH = Base64(HMAC-SHA256(key = client secret, message = username + client id)). */
export function computeSecretHash(clientSecret: string, username: string, clientId: string): string {
  return createHmac('sha256', clientSecret).update(username + clientId).digest('base64');
}
