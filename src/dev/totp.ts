// RFC 6238 TOTP codes as an authenticator app computes them (SHA-1, 6 digits, 30 s): a phone for tests and curl.
import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(text: string): Buffer {
  let bits = '';
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((byte) => parseInt(byte, 2)));
}

/** The code for `secret` (base32) at `at` (epoch ms); HOTP of the 30-second step, dynamically truncated. */
export function totp(secret: string, at = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/** A 6-digit code that is not the current one. */
export function wrongTotp(secret: string): string {
  return totp(secret) === '000000' ? '111111' : '000000';
}

// `npx tsx src/dev/totp.ts <secret_code>` prints the current code, for trying MFA with curl and no phone.
if (require.main === module) {
  const secret = process.argv[2];
  if (!secret) {
    process.stderr.write('usage: npx tsx src/dev/totp.ts <secret_code from /auth/mfa/setup>\n');
    process.exit(2);
  }
  process.stdout.write(`${totp(secret)}\n`);
}
