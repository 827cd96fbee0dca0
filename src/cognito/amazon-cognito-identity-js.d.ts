// What the service uses of amazon-cognito-identity-js beyond its published types: the SRP math it exports
// (src/AuthenticationHelper.js, src/DateHelper.js of the package) but does not declare, and the big integer its
// AuthenticationHelper takes (lib/BigInteger.js, not exported from the index: amazon-cognito-identity-js-bigint.d.ts).
import 'amazon-cognito-identity-js';

declare module 'amazon-cognito-identity-js' {
  import type BigInteger from 'amazon-cognito-identity-js/lib/BigInteger';

  /** Cognito's SRP-6a for one sign-in: `a` is drawn at construction. */
  export class AuthenticationHelper {
    /** The pool id's part after the region (`eu-west-1_AbC` → `AbC`). */
    constructor(poolName: string);
    getLargeAValue(callback: (err: Error | null, largeA: BigInteger) => void): void;
    /** The 16-byte HKDF key that signs the PASSWORD_VERIFIER answer. */
    getPasswordAuthenticationKey(
      username: string,
      password: string,
      serverB: BigInteger,
      salt: BigInteger,
      callback: (err: Error | null, key: Uint8Array) => void,
    ): void;
  }

  /** The TIMESTAMP Cognito wants: `Tue Dec 8 00:19:50 UTC 2026`. */
  export class DateHelper {
    getNowString(): string;
  }
}
