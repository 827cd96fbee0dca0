// Debian's caddy run with deploy/caddy/Caddyfile, on a loopback port; installs the package when missing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/dev/local-cognito';

const CADDY = '/usr/bin/caddy';
const CADDYFILE = path.resolve(__dirname, '../../deploy/caddy/Caddyfile');

/** Installs Debian's caddy with apt-get when absent (as root, as on CI); otherwise says what to do. */
export function ensureCaddy(): void {
  if (existsSync(CADDY)) return;
  if (process.getuid?.() !== 0) throw new Error(`${CADDY} is missing: install Debian's caddy package (sudo apt-get install caddy)`);
  process.stderr.write('installing caddy with apt-get for the forward-auth test…\n');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'caddy'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** A running caddy. */
export interface RunningCaddy {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts caddy with deploy/caddy/Caddyfile as shipped, imported by a Caddyfile whose global options a test must
 * choose: no admin endpoint (two runs at once would both want localhost:2019) and loopback only. The environment
 * says the rest, as in a deployment: the site at a free port, over plain HTTP, in front of this service at
 * `authPort` (its API port) and `doorPort` (its forward-auth door), and the protected API at `apiPort`.
 */
export async function startCaddy(authPort: number, doorPort: number, apiPort: number): Promise<RunningCaddy> {
  ensureCaddy();
  const dir = mkdtempSync(path.join(tmpdir(), 'caddy-test-'));
  const port = await freePort();
  const config = path.join(dir, 'Caddyfile');
  writeFileSync(config, ['{', '\tadmin off', '\tdefault_bind 127.0.0.1', '}', '', `import ${CADDYFILE}`, ''].join('\n'));
  const child: ChildProcess = spawn(CADDY, ['run', '--config', config, '--adapter', 'caddyfile'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      // Caddy keeps its state (autosave.json, instance id, certificates) under these, else under $HOME.
      HOME: dir,
      XDG_DATA_HOME: path.join(dir, 'data'),
      XDG_CONFIG_HOME: path.join(dir, 'config'),
      LISTEN: `http://127.0.0.1:${port}`,
      AUTH_UPSTREAM: `127.0.0.1:${authPort}`,
      FORWARD_AUTH_UPSTREAM: `127.0.0.1:${doorPort}`,
      API_UPSTREAM: `127.0.0.1:${apiPort}`,
    },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    if (await fetch(`${url}/healthz`).then(() => true, () => false)) {
      return {
        url,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`caddy did not start:\n${stderr}`);
}
