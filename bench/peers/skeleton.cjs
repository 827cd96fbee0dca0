// The benchmark peers' Express app. "bare": Express and the JSON body parser only. "stack": the same plus the
// production stack the service carries, one pino-http request log line at info and helmet's headers.
const express = require('express');
const helmet = require('helmet');
const pino = require('pino');
const { pinoHttp } = require('pino-http');

/** Builds an app whose GET /auth/me runs `authenticate` (a middleware that sets res.locals.claims). */
function peerApp(authenticate, stack) {
  const app = express();
  app.disable('x-powered-by');
  if (stack === 'stack') {
    app.use(pinoHttp({ logger: pino(pino.destination({ dest: 1, sync: false })) }));
    app.use(helmet());
  }
  app.use(express.json({ limit: '10kb' }));
  app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
  app.get('/auth/me', authenticate, (_req, res) => {
    const c = res.locals.claims;
    res.json({ sub: c.sub, username: c.username ?? null, client_id: c.client_id, scope: c.scope });
  });
  app.use((err, _req, res, _next) => res.status(err.status ?? 401).json({ error: 'invalid_token' }));
  return app;
}

/** Fetches the pool's JWKS once, so no peer spends benchmark time on it. */
async function fetchJwks() {
  return (await fetch(process.env.COGNITO_JWKS_URI)).json();
}

module.exports = { peerApp, fetchJwks };
