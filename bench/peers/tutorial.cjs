// Benchmark peer "tutorial": the route as the tutorials build it, aws-jwt-verify on every request (no cache of
// verified tokens) plus one Redis HMGET of the user's denylist hash. PEER_STACK=bare or stack (see skeleton.cjs).
const { JwtVerifier } = require('aws-jwt-verify');
const { Redis } = require('ioredis');
const { peerApp, fetchJwks } = require('./skeleton.cjs');

async function main() {
  const { COGNITO_ISSUER: issuer, COGNITO_CLIENT_ID: clientId, REDIS_URL, REDIS_KEY_PREFIX = 'auth:', PORT, PEER_STACK } = process.env;
  const verifier = JwtVerifier.create({ issuer, audience: null });
  verifier.cacheJwks(await fetchJwks());
  const redis = new Redis(REDIS_URL);

  const app = peerApp(async (req, res, next) => {
    try {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const claims = await verifier.verify(token);
      if (claims.token_use !== 'access' || claims.client_id !== clientId) throw new Error('wrong token');
      const [session, cutoff] = await redis.hmget(`${REDIS_KEY_PREFIX}denylist:${claims.sub}`, `s:${claims.jti}`, 'cutoff');
      if (session || cutoff) throw new Error('logged out');
      res.locals.claims = claims;
      next();
    } catch (err) {
      next(err);
    }
  }, PEER_STACK);
  app.listen(Number(PORT), '127.0.0.1');
}

main();
