// Debian's nginx run with the configuration in deploy/nginx/, on loopback ports; installs the package when missing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/dev/local-cognito';

const NGINX = '/usr/sbin/nginx';
const DEPLOY = path.resolve(__dirname, '../../deploy/nginx');

/** Installs Debian's nginx with apt-get when absent (as root, as on CI); otherwise says what to do. */
export function ensureNginx(): void {
  if (existsSync(NGINX)) return;
  if (process.getuid?.() !== 0) throw new Error(`${NGINX} is missing: install Debian's nginx package (sudo apt-get install nginx)`);
  process.stderr.write('installing nginx with apt-get for the forward-auth test…\n');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'nginx'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** What an nginx run of deploy/nginx/ listens on and proxies to (loopback ports). */
export interface NginxConfig {
  listen: number;
  /** This service's API port (`auth_service`). */
  service: number;
  /** Its forward-auth door (`forward_auth`). */
  door: number;
  /** The protected API (`protected_api`). */
  api: number;
  /** Idle keep-alive connections to the door. */
  doorKeepalive: number;
  /** A server block in place of deploy/nginx/api.conf (it must listen on port 80, as api.conf does). */
  server?: string;
  /** `worker_connections` of the events block; nginx's default when absent. */
  workerConnections?: number;
}

/**
 * Writes deploy/nginx/ into `dir` as shipped, but for what a run must choose: its listen port and its upstreams,
 * and a one-worker nginx.conf that keeps its files in `dir`. Shared by the tests and the bench.
 */
export function writeNginxConfig(dir: string, config: NginxConfig): void {
  for (const file of readdirSync(DEPLOY)) copyFileSync(path.join(DEPLOY, file), path.join(dir, file));
  const server = config.server ?? readFileSync(path.join(DEPLOY, 'api.conf'), 'utf8');
  if (!/^ {2}listen 80;$/m.test(server)) throw new Error('deploy/nginx/api.conf no longer has "  listen 80;"');
  writeFileSync(path.join(dir, 'api.conf'), server.replace(/^ {2}listen 80;$/m, `  listen 127.0.0.1:${config.listen};`));
  writeFileSync(
    path.join(dir, 'upstreams.conf'),
    `upstream auth_service { server 127.0.0.1:${config.service}; }\n` +
      `upstream forward_auth { server 127.0.0.1:${config.door}; keepalive ${config.doorKeepalive}; }\n` +
      `upstream protected_api { server 127.0.0.1:${config.api}; }\n`,
  );
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'error.log')} warn;`,
      config.workerConnections ? `events { worker_connections ${config.workerConnections}; }` : 'events {}',
      'http {',
      '  access_log off;',
      `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}`,
      '  include upstreams.conf;',
      '  include api.conf;',
      '}',
    ].join('\n'),
  );
}

/** A running nginx. */
export interface RunningNginx {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts nginx with deploy/nginx/ as shipped, except two things a test must choose: the listen port, and the
 * upstreams (this service's API port at `authPort`, its forward-auth door at `doorPort`, the protected API at `apiPort`).
 */
export async function startNginx(authPort: number, doorPort: number, apiPort: number): Promise<RunningNginx> {
  ensureNginx();
  const dir = mkdtempSync(path.join(tmpdir(), 'nginx-test-'));
  const port = await freePort();
  writeNginxConfig(dir, { listen: port, service: authPort, door: doorPort, api: apiPort, doorKeepalive: 4 });
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i += 1) {
    if (await fetch(`${url}/nowhere`).then(() => true, () => false)) {
      return {
        url,
        stop: async () => {
          child.kill('SIGQUIT');
          await exited;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  const log = existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
  throw new Error(`nginx did not start:\n${stderr}\n${log}`);
}
