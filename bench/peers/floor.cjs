// The floor: node:http's own server answering a tiny JSON body on every path, nothing else; what any Node server
// costs per request before it does any work. Also the small upstream behind nginx in the nginx rows.
const { createServer } = require('node:http');

const BODY = JSON.stringify({ status: 'ok' });

createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
  res.end(BODY);
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
