// The suite's mailbox: the codes cognito-local "sent", read from its data files as a developer can read them.
import path from 'node:path';
import { readPendingCodes } from '../../src/dev/pending-codes';
import { stack } from './stack';

/** The code waiting for `username` (sign-up confirmation or password reset); fails when none is. */
export function codeFor(username: string, kind: 'confirmation' | 'mfa' = 'confirmation'): string {
  const poolFile = path.join(process.env.TEST_COGNITO_DB ?? '', `${stack.userPoolId}.json`);
  const pending = readPendingCodes(poolFile).find((c) => c.username === username && c.kind === kind);
  if (!pending) throw new Error(`cognito-local holds no ${kind} code for ${username}`);
  return pending.code;
}
