// The server's side of Cognito's SRP-6a (USER_SRP_AUTH, USER_AUTH's PASSWORD_SRP), for the local stack only:
// cognito-local has no SRP. The parameters and the hashing are those of AWS's client (amazon-cognito-identity-js's
// AuthenticationHelper), which test/local-sign-in-flows.test.ts signs in with.
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** RFC 5054's 3072-bit group, generator 2: Cognito's. */
const N = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
const g = 2n;

/** A non-negative integer as Cognito hashes it: even-length hex, with a `00` first when the top bit is set. */
function padHex(value: bigint): string {
  const hex = value.toString(16);
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return /^[89a-f]/i.test(even) ? `00${even}` : even;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hexHash = (hex: string) => sha256Hex(Buffer.from(hex, 'hex'));
const toBigInt = (hex: string) => BigInt(`0x${hex}`);

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

const k = toBigInt(hexHash(`${padHex(N)}${padHex(g)}`));

/** What the server keeps between its challenge and the client's answer. */
export interface SrpExchange {
  /** SALT, SRP_B and SECRET_BLOCK of the PASSWORD_VERIFIER challenge. */
  salt: string;
  srpB: string;
  secretBlock: string;
  /** The server's secret and the verifier, for the check. */
  b: bigint;
  verifier: bigint;
}

/**
 * The challenge for a user: the verifier from the password (cognito-local keeps passwords as they are), or, for
 * `password` undefined (no such user), a random one that no answer can match.
 */
export function srpChallenge(poolName: string, userId: string, password: string | undefined): SrpExchange {
  const salt = randomBytes(16).toString('hex');
  const x = toBigInt(hexHash(`${padHex(toBigInt(salt))}${sha256Hex(`${poolName}${userId}:${password ?? randomBytes(32).toString('hex')}`)}`));
  const verifier = modPow(g, x, N);
  const b = toBigInt(randomBytes(32).toString('hex'));
  const B = (k * verifier + modPow(g, b, N)) % N;
  return { salt, srpB: B.toString(16), secretBlock: randomBytes(64).toString('base64'), b, verifier };
}

/**
 * Whether PASSWORD_CLAIM_SIGNATURE proves the password: HMAC-SHA256, keyed by the HKDF of the shared secret, of the
 * pool name, the user id, the secret block and the client's TIMESTAMP.
 */
export function srpSignatureMatches(
  exchange: SrpExchange,
  answer: { poolName: string; userId: string; srpA: string; timestamp: string; signature: string },
): boolean {
  if (!/^[0-9a-f]+$/i.test(answer.srpA)) return false;
  const A = toBigInt(answer.srpA);
  if (A % N === 0n) return false;
  const u = toBigInt(hexHash(`${padHex(A)}${padHex(toBigInt(exchange.srpB))}`));
  const S = modPow((A * modPow(exchange.verifier, u, N)) % N, exchange.b, N);
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(padHex(S), 'hex'), Buffer.from(padHex(u), 'hex'), 'Caldera Derived Key', 16));
  const message = Buffer.concat([
    Buffer.from(answer.poolName),
    Buffer.from(answer.userId),
    Buffer.from(exchange.secretBlock, 'base64'),
    Buffer.from(answer.timestamp),
  ]);
  const expected = createHmac('sha256', key).update(message).digest();
  const sent = Buffer.from(answer.signature, 'base64');
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}
