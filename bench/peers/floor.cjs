// The floor: node:http's own server answering a tiny JSON body on every path, nothing else; what any Node server
// costs per request before it does any work. Also the small upstream behind nginx in the nginx rows.
// FLOOR_CHECK=1: the same server verifying each request's Bearer token with aws-jwt-verify first (401 when it
// fails), so that its CPU less the floor's is what aws-jwt-verify's own check of a token costs inside a server.
const { createServer } = require('node:http');

const BODY = JSON.stringify({ status: 'ok' });

async function main() {
  // Loaded only for the check: the plain floor stays node:http and nothing else.
  const check = process.env.FLOOR_CHECK === '1' ? await require('./aws-jwt-verify-check.cjs').awsJwtVerifyCheck() : undefined;
  createServer((req, res) => {
    if (check && req.url !== '/healthz') {
      try {
        check((req.headers.authorization ?? '').slice('Bearer '.length));
      } catch {
        res.writeHead(401, { 'content-length': 0 });
        res.end();
        return;
      }
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  }).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
}

main();
