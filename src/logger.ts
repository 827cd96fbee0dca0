// The service's pino logger, with every field that could hold a credential redacted.
import pino, { type Logger } from 'pino';

/** Paths pino replaces with [Redacted], wherever an error or object carrying them is logged. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  'new_password',
  '*.new_password',
  'old_password',
  '*.old_password',
  '*.password',
  'secret_code',
  'SecretHash',
  '*.SecretHash',
  'refresh_token',
  '*.refresh_token',
  'access_token',
  '*.access_token',
  'id_token',
  'SECRET_HASH',
  '*.SECRET_HASH',
  'err.$response',
  'err.cause.$response',
];

/**
 * Creates the logger; `destination` lets tests capture the output. By default it writes to stdout without
 * blocking the request that logs (pino flushes what is pending when the process exits).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[Redacted]' } },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
