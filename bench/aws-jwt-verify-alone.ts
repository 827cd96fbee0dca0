// Child process of the bench: aws-jwt-verify alone, as the service configures it for cognito-local, verifying the
// tokens in the file it is given (keys loaded, verifySync), and printing the CPU it took as JSON. It shows what a
// fresh token costs before any of the service's own work.
import { readFileSync } from 'node:fs';
import { JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';

/** Verifications made first and not counted (the tokens over again), so the count starts warm, as the service is. */
const WARM_UP = 3000;

async function main(): Promise<void> {
  const file = process.argv[2];
  const { COGNITO_ISSUER: issuer, COGNITO_JWKS_URI: jwksUri, COGNITO_CLIENT_ID: clientId } = process.env;
  if (!file || !issuer || !jwksUri || !clientId) throw new Error('usage: COGNITO_ISSUER=… COGNITO_JWKS_URI=… COGNITO_CLIENT_ID=… aws-jwt-verify-alone.ts <tokens.json>');
  const tokens = JSON.parse(readFileSync(file, 'utf8')) as string[];
  if (tokens.length === 0) throw new Error(`no tokens in ${file}`);
  const verifier = JwtVerifier.create({
    issuer,
    jwksUri,
    audience: null,
    graceSeconds: 60,
    customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: 'access', clientId }),
  });
  // Fetched here, as the peers do: aws-jwt-verify's own fetcher takes https only, and cognito-local serves http.
  verifier.cacheJwks((await (await fetch(jwksUri, { signal: AbortSignal.timeout(10_000) })).json()) as Parameters<typeof verifier.cacheJwks>[0]);
  for (let i = 0; i < WARM_UP; i += 1) verifier.verifySync(tokens[i % tokens.length]!);
  const before = process.cpuUsage();
  for (const token of tokens) verifier.verifySync(token);
  const used = process.cpuUsage(before);
  process.stdout.write(JSON.stringify({ verifications: tokens.length, cpuMicros: used.user + used.system }));
}

main().catch((err: unknown) => {
  process.stderr.write(`aws-jwt-verify alone: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
