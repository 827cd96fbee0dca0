// The nginx rows' proxies: Debian's nginx with deploy/nginx/ as shipped (auth_request to the door), and the same
// nginx without auth_request, both in front of the same small upstream, pinned like the servers.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../src/dev/local-cognito';
import { ensureNginx, writeNginxConfig } from '../test/support/nginx';
import type { Pinning, Server } from './servers';

const NGINX = '/usr/sbin/nginx';

/** Where the proxied requests go. */
export interface NginxUpstreams {
  /** The service's API port (deploy/nginx's `auth_service`). */
  service: Server;
  /** The service's forward-auth door (`forward_auth`). */
  door: Server;
  /** The small upstream behind the proxy (`protected_api`). */
  api: Server;
}

/** deploy/nginx/api.conf without auth: the same `/api/` location and proxy headers, no auth_request. */
const PLAIN_SERVER = `server {
  listen 80;
  location / {
    proxy_pass http://protected_api;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
  }
}
`;

const port = (server: Server) => new URL(server.url).port;

/**
 * Starts nginx named `name` in a directory of its own under `work`: with `auth`, deploy/nginx/ as shipped but for
 * its listen port and upstreams; without, the same nginx.conf and upstreams with PLAIN_SERVER. One worker, pinned to
 * the servers' core (a worker per core would take the load generator's). Resolves once its /healthz answers.
 */
export async function startNginx(name: string, auth: boolean, upstreams: NginxUpstreams, pin: Pinning, work: string): Promise<Server> {
  ensureNginx();
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  const listen = await freePort();
  // Keep-alive to the door as deploy/nginx/upstreams.conf has it, with one idle connection for each of the load's.
  writeNginxConfig(dir, {
    listen,
    service: Number(port(upstreams.service)),
    door: Number(port(upstreams.door)),
    api: Number(port(upstreams.api)),
    doorKeepalive: 32,
    server: auth ? undefined : PLAIN_SERVER,
    workerConnections: 1024,
  });
  const logFile = path.join(work, `${name}.log`);
  const out = openSync(logFile, 'w');
  const command = [...pin.server, NGINX, '-p', dir, '-c', path.join(dir, 'nginx.conf')];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', out, out] });
  closeSync(out);
  const url = `http://127.0.0.1:${listen}`;
  for (let i = 0; i < 50; i += 1) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { name, url, child, logFile };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not start; see ${logFile} and ${path.join(dir, 'error.log')}`);
}
