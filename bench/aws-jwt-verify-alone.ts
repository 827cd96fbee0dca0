// Child process of the bench: aws-jwt-verify alone, as the service configures it for cognito-local, verifying the
// tokens in the file it is given in a tight loop (keys loaded, verifySync), and printing the CPU it took as JSON. It
// shows what a fresh token's check costs with nothing else running; the floorCheck row shows it inside a server.
import { readFileSync } from 'node:fs';

/** Verifications made first and not counted (the tokens over again), so the count starts warm, as the service is. */
const WARM_UP = 3000;

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: COGNITO_ISSUER=… COGNITO_JWKS_URI=… COGNITO_CLIENT_ID=… aws-jwt-verify-alone.ts <tokens.json>');
  const tokens = JSON.parse(readFileSync(file, 'utf8')) as string[];
  if (tokens.length === 0) throw new Error(`no tokens in ${file}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { awsJwtVerifyCheck } = require('./peers/aws-jwt-verify-check.cjs') as { awsJwtVerifyCheck: () => Promise<(token: string) => unknown> };
  const check = await awsJwtVerifyCheck();
  for (let i = 0; i < WARM_UP; i += 1) check(tokens[i % tokens.length]!);
  const before = process.cpuUsage();
  for (const token of tokens) check(token);
  const used = process.cpuUsage(before);
  process.stdout.write(JSON.stringify({ verifications: tokens.length, cpuMicros: used.user + used.system }));
}

main().catch((err: unknown) => {
  process.stderr.write(`aws-jwt-verify alone: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
