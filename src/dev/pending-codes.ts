// Reads the codes cognito-local "sends" from its data files: it keeps each user's pending code instead of emailing it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SIGN_IN_CODES_FILE, type SignInCode } from './auth-flows';

/** A code cognito-local would have emailed or texted, still waiting to be used. */
export interface PendingCode {
  /** Cognito's internal username of the recipient. */
  username: string;
  /** `confirmation` (sign-up and password reset), `mfa` (an SMS_MFA sign-in) or `sign-in` (a passwordless one). */
  kind: 'confirmation' | 'mfa' | 'sign-in';
  /** What the code is for, for a person: `sign-up confirmation`, `password reset`, `SMS MFA sign-in`, `one-time sign-in`. */
  purpose: string;
  /** The email address or phone number it would have gone to. */
  destination: string;
  /** The code. */
  code: string;
}

interface StoredUser {
  Username: string;
  UserStatus?: string;
  Attributes?: { Name: string; Value: string }[];
  ConfirmationCode?: string;
  MFACode?: string;
}

/** The pending codes of the pool stored in `poolFile` (`<db dir>/<pool id>.json`). */
export function readPendingCodes(poolFile: string): PendingCode[] {
  let users: Record<string, StoredUser>;
  try {
    users = (JSON.parse(readFileSync(poolFile, 'utf8')) as { Users?: Record<string, StoredUser> }).Users ?? {};
  } catch {
    // Missing, or caught halfway through a write: no codes this time, the next read sees them.
    return [];
  }
  return Object.values(users).flatMap((user) => {
    const attribute = (name: string) => user.Attributes?.find((a) => a.Name === name)?.Value ?? '';
    const codes: PendingCode[] = [];
    if (user.ConfirmationCode) {
      // cognito-local keeps one ConfirmationCode field: an unconfirmed user's is the sign-up code, anyone else's a reset.
      const purpose = user.UserStatus === 'UNCONFIRMED' ? 'sign-up confirmation' : 'password reset';
      codes.push({ username: user.Username, kind: 'confirmation', purpose, destination: attribute('email'), code: user.ConfirmationCode });
    }
    if (user.MFACode) {
      codes.push({ username: user.Username, kind: 'mfa', purpose: 'SMS MFA sign-in', destination: attribute('phone_number'), code: user.MFACode });
    }
    return codes;
  });
}

/** The one-time sign-in codes the local stack's USER_AUTH "emailed" (auth-flows.ts writes them). */
function readSignInCodes(file: string): PendingCode[] {
  try {
    const codes = JSON.parse(readFileSync(file, 'utf8')) as SignInCode[];
    return codes.map((c) => ({ username: c.username, kind: 'sign-in', purpose: 'one-time sign-in', destination: c.destination, code: c.code }));
  } catch {
    return [];
  }
}

/** Calls `onCode` for every code that appears in any pool of `dbDir` from now on; returns a function to stop. */
export function followPendingCodes(dbDir: string, onCode: (code: PendingCode) => void): () => void {
  const key = (c: PendingCode) => `${c.username}\u0000${c.kind}\u0000${c.code}`;
  const scan = () =>
    readdirSync(dbDir)
      .filter((file) => file !== 'clients.json' && file.endsWith('.json'))
      .flatMap((file) => (file === SIGN_IN_CODES_FILE ? readSignInCodes(path.join(dbDir, file)) : readPendingCodes(path.join(dbDir, file))));
  const seen = new Set(scan().map(key));
  const timer = setInterval(() => {
    for (const code of scan()) {
      if (seen.has(key(code))) continue;
      seen.add(key(code));
      onCode(code);
    }
  }, 300);
  timer.unref();
  return () => clearInterval(timer);
}
