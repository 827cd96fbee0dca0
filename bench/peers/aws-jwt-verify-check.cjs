// aws-jwt-verify as the service configures it for cognito-local (JwtVerifier, the Cognito field checks, 60 s of
// grace), with the pool's keys loaded: the check both yardsticks of a fresh token run, bench/aws-jwt-verify-alone.ts
// in a tight loop and floor.cjs (FLOOR_CHECK=1) inside a server. Reads COGNITO_ISSUER, COGNITO_JWKS_URI, COGNITO_CLIENT_ID.
const { JwtVerifier } = require('aws-jwt-verify');
const { validateCognitoJwtFields } = require('aws-jwt-verify/cognito-verifier');

/** Resolves with a function that verifies a token synchronously (verifySync) and throws when it fails. */
async function awsJwtVerifyCheck() {
  const { COGNITO_ISSUER: issuer, COGNITO_JWKS_URI: jwksUri, COGNITO_CLIENT_ID: clientId } = process.env;
  if (!issuer || !jwksUri || !clientId) throw new Error('COGNITO_ISSUER, COGNITO_JWKS_URI and COGNITO_CLIENT_ID are needed');
  const verifier = JwtVerifier.create({
    issuer,
    jwksUri,
    audience: null,
    graceSeconds: 60,
    customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: 'access', clientId }),
  });
  // Fetched here, as the peers do: aws-jwt-verify's own fetcher takes https only, and cognito-local serves http.
  verifier.cacheJwks(await (await fetch(jwksUri, { signal: AbortSignal.timeout(10_000) })).json());
  return (token) => verifier.verifySync(token);
}

module.exports = { awsJwtVerifyCheck };
