// The one SDK client every Cognito call goes through: timeouts, the call deadline, SECRET_HASH, domain errors.
import { createHmac } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { CognitoConfig } from '../config/config';
import { noMetrics, secondsSince, type Metrics } from '../metrics/metrics';
import { toServiceError, type CallErrors } from './cognito-errors';
import { asAmazonCognitoError } from './cognito-local-quirks';

/**
 * Timeouts and retries of the SDK, chosen so a dead or hung Cognito answers 503 within 5 s, never hangs:
 * a connection must open in 1 s and an answer come in 2 s, one retry, and the whole call is cut at 5 s.
 * Cognito's own p99 is well under a second, so these bounds only bite when something is wrong.
 */
const SDK_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true } as const;
const SDK_MAX_ATTEMPTS = 2;
/** Upper bound of one Cognito call, retries included. */
export const COGNITO_CALL_DEADLINE_MS = 5000;

/** A command of the SDK, as far as its output type goes (the SDK's own Command type is a transitive package). */
interface SdkCommand<Output> {
  resolveMiddleware(...args: never[]): (args: never) => Promise<{ output: Output }>;
}

/** Options of the CognitoClient. */
export interface CognitoClientOptions {
  /** The SDK client; tests pass one whose chosen calls get canned answers. Default: one built from the config. */
  sdk?: CognitoIdentityProviderClient;
  /** Counts and times each call; default: nothing counted. */
  metrics?: Metrics;
}

/** Sends Cognito calls for the app client of `config`; main.ts builds one and hands it to every Cognito wrapper. */
export class CognitoClient {
  /** The SDK client. */
  readonly sdk: CognitoIdentityProviderClient;
  /**
   * True on an overridden endpoint (cognito-local): its errors are rewritten into Amazon Cognito's before they are
   * mapped, and the calls it lacks are avoided (see cognito-local-quirks.ts).
   */
  readonly local: boolean;
  private readonly metrics: Metrics;

  constructor(
    readonly config: CognitoConfig,
    options: CognitoClientOptions = {},
  ) {
    this.local = config.endpoint !== undefined;
    this.metrics = options.metrics ?? noMetrics;
    this.sdk =
      options.sdk ??
      new CognitoIdentityProviderClient({
        region: config.region,
        endpoint: config.endpoint,
        maxAttempts: SDK_MAX_ATTEMPTS,
        requestHandler: SDK_TIMEOUTS,
        // These operations are unsigned; a local endpoint gets placeholder credentials so the SDK never looks.
        ...(config.endpoint ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      });
  }

  /** The app client id. */
  get clientId(): string {
    return this.config.clientId;
  }

  /** SECRET_HASH for `username`, when the app client has a secret (sent as an auth parameter or as `SecretHash`). */
  secretHash(username: string): string | undefined {
    return this.config.clientSecret ? computeSecretHash(this.config.clientSecret, username, this.config.clientId) : undefined;
  }

  /**
   * Sends `command` under the call deadline. A failure becomes a domain error: `errors` says what the Cognito
   * errors whose meaning depends on the call mean for this one; the rest mean the same for every call.
   */
  async send<Output>(command: SdkCommand<Output>, errors: CallErrors = {}): Promise<Output> {
    const operation = command.constructor.name.replace(/Command$/, '');
    const start = process.hrtime.bigint();
    try {
      // `never`: the SDK's overloads can't be named without its transitive types; SdkCommand pins the output type.
      const output: unknown = await this.sdk.send(command as never, { abortSignal: AbortSignal.timeout(COGNITO_CALL_DEADLINE_MS) });
      this.metrics.cognitoCall(operation, 'ok', secondsSince(start));
      return output as Output;
    } catch (err) {
      const error = toServiceError(this.local ? asAmazonCognitoError(command, err) : err, errors);
      this.metrics.cognitoCall(operation, error.name, secondsSince(start));
      throw error;
    }
  }
}

/** SECRET_HASH = Base64(HMAC-SHA256(key = client secret, message = username + client id)). */
export function computeSecretHash(clientSecret: string, username: string, clientId: string): string {
  return createHmac('sha256', clientSecret).update(username + clientId).digest('base64');
}
