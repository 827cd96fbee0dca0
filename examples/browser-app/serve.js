// Serves this folder on its own origin: `node examples/browser-app/serve.js [port]` (default 5173).
'use strict';
const { createServer } = require('node:http');
const { readFile } = require('node:fs/promises');
const path = require('node:path');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
const FILES = new Set(['/index.html', '/app.js']);

/** A static server for index.html and app.js only. */
function createExampleServer() {
  return createServer(async (req, res) => {
    const url = new URL(req.url || '/', 'http://localhost');
    const file = url.pathname === '/' ? '/index.html' : url.pathname;
    if (req.method !== 'GET' || !FILES.has(file)) return res.writeHead(404).end('not found');
    const body = await readFile(path.join(__dirname, file));
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)], 'Cache-Control': 'no-store' }).end(body);
  });
}

module.exports = { createExampleServer };

if (require.main === module) {
  const port = Number(process.argv[2] || 5173);
  createExampleServer().listen(port, () => {
    process.stdout.write(`http://localhost:${port}/?api=http://127.0.0.1:3000  (start the API with CORS_ORIGINS=http://localhost:${port})\n`);
  });
}
