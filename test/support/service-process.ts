// Runs the real entry point (src/main.ts) as a child process, for start-up and shutdown tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/dev/local-cognito';

const ROOT = path.resolve(__dirname, '../..');

/** A running service process. */
export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** Spawns `node --import tsx src/main.ts` (one process, so signals reach the service itself) with exactly `env`
 * plus PATH and, unless it is expected to fail, waits for /healthz. */
export async function spawnService(env: Record<string, string | undefined>, options: { waitUntilUp?: boolean } = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const service = { url: `http://127.0.0.1:${port}`, child, output: () => output, exited };
  if (options.waitUntilUp === false) return service;
  for (let i = 0; i < 100; i += 1) {
    const up = await fetch(`${service.url}/healthz`).then((r) => r.ok, () => false);
    if (up) return service;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the service did not start:\n${output}`);
}

/**
 * The TCP ports a process listens on, in ascending order (Linux: the socket inodes among its open files, looked up in
 * /proc/net/tcp and tcp6, state 0A = LISTEN).
 */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed between the listing and the read
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (local && state === '0A' && inode && inodes.has(inode)) ports.add(parseInt(local.split(':').pop() ?? '', 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}
