// Pushes N distinct tokens through the verified-token cache (default size) and prints RSS samples as JSON.
// The inner verifier is a stand-in that returns claims without checking a signature: this measures the cache's
// memory only (signing a million real tokens would take a quarter of an hour and measure nothing more).
import { randomUUID } from 'node:crypto';
import type { AccessTokenClaims, AccessTokenVerifier } from '../src/bearer/token-verifier';
import { CachedTokenVerifier } from '../src/bearer/verified-token-cache';

const total = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const standIn: AccessTokenVerifier = {
  verify: async (token: string): Promise<AccessTokenClaims> => {
    const now = Math.floor(Date.now() / 1000);
    return {
      sub: token.slice(-36),
      username: 'bench-user',
      client_id: 'client',
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      'cognito:groups': ['readers'],
      jti: randomUUID(),
      iat: now,
      auth_time: now,
      exp: now + 3600,
    };
  },
  loadKeys: async () => undefined,
  keysLoaded: () => true,
};

async function main(): Promise<void> {
  const cache = new CachedTokenVerifier(standIn, { maxEntries: 10_000 });
  // A realistic token length (~1 kB); each one distinct.
  const body = 'x'.repeat(900);
  const samples: { tokens: number; rssMb: number; heapMb: number }[] = [];
  const every = Math.max(1, Math.floor(total / 10));
  for (let i = 1; i <= total; i += 1) {
    await cache.verify(`${body}.${i}.${randomUUID()}`);
    if (i % every === 0) {
      // Two full collections with a pause between let V8 hand back the pages the garbage used.
      gc();
      await new Promise((resolve) => setTimeout(resolve, 100));
      gc();
      const { rss, heapUsed } = process.memoryUsage();
      samples.push({ tokens: i, rssMb: Math.round((rss / 2 ** 20) * 10) / 10, heapMb: Math.round((heapUsed / 2 ** 20) * 10) / 10 });
    }
  }
  process.stdout.write(JSON.stringify(samples));
}

void main();
