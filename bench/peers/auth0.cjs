// Benchmark peer "auth0": auth0's express-oauth2-jwt-bearer with the pool's keys, and no denylist at all.
const { auth } = require('express-oauth2-jwt-bearer');
const { peerApp, fetchJwks } = require('./skeleton.cjs');

async function main() {
  const { COGNITO_ISSUER: issuer, COGNITO_CLIENT_ID: clientId, PORT } = process.env;
  const checkJwt = auth({
    issuer,
    publicKey: await fetchJwks(),
    // Cognito access tokens carry no aud; the client is in client_id instead.
    audience: 'unused',
    tokenSigningAlg: 'RS256',
    validators: { aud: false, client_id: (value) => value === clientId, token_use: (value) => value === 'access' },
  });
  const app = peerApp((req, res, next) =>
    checkJwt(req, res, (err) => {
      if (err) return next(err);
      res.locals.claims = req.auth.payload;
      next();
    }),
  );
  app.listen(Number(PORT), '127.0.0.1');
}

main();
