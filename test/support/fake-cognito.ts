// Labelled fakes on the wire: an SDK client whose chosen Cognito calls get canned answers, the rest reach cognito-local.
import { Readable } from 'node:stream';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

/** A canned HTTP answer in Cognito's JSON protocol; errors are `{ __type: 'XxxException', message }`. */
export interface CannedAnswer {
  /** HTTP status; 200 when absent. */
  status?: number;
  /** The JSON body Cognito would send. */
  body: Record<string, unknown>;
}

/** What the client sent, per call. */
export interface SentCall {
  /** Cognito's operation, e.g. `SignUp`. */
  operation: string;
  /** The request body as Cognito receives it. */
  input: Record<string, unknown>;
}

interface WireRequest {
  headers: Record<string, string>;
  /** The serialized JSON; newer SDKs hand it over as bytes. */
  body?: string | Uint8Array;
}

interface RequestHandlerLike {
  handle(request: WireRequest, options?: unknown): Promise<{ response: unknown }>;
}

/**
 * Builds an SDK client for the suite's cognito-local where each operation named in `answers` is answered by the
 * fake instead. The SDK still serializes the request and parses the canned answer, so the service meets exactly
 * what Amazon Cognito sends. Use it only for what cognito-local can't produce, and say so in the test.
 * `offline` (unit tests): nothing reaches the network, and an operation without an answer fails the call.
 */
export function fakeCognito(
  answers: Record<string, CannedAnswer | ((input: Record<string, unknown>) => CannedAnswer)>,
  { offline = false } = {},
): {
  client: CognitoIdentityProviderClient;
  calls: SentCall[];
} {
  const calls: SentCall[] = [];
  const client = new CognitoIdentityProviderClient({
    endpoint: offline ? 'http://127.0.0.1:9' : process.env.TEST_COGNITO_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const config = client.config as unknown as { requestHandler: RequestHandlerLike };
  const real = config.requestHandler;
  config.requestHandler = {
    handle: async (request, options) => {
      const operation = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body ?? new Uint8Array());
      const input = JSON.parse(text || '{}') as Record<string, unknown>;
      calls.push({ operation, input });
      const answer = answers[operation];
      if (!answer) {
        if (offline) throw new Error(`no canned answer for ${operation} (unit tests stay off the network)`);
        return real.handle(request, options);
      }
      const { status = 200, body } = typeof answer === 'function' ? answer(input) : answer;
      return {
        response: {
          statusCode: status,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        },
      };
    },
  };
  return { client, calls };
}
