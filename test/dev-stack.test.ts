// `npm run dev` and `npm run dev:replica` as a developer runs them: the banner, the Swagger UI intro of the local
// stack, and a SIGTERM or SIGINT to npm that stops every process they started (no orphan keeps a port).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../src/dev/local-cognito';
import { stack } from './support/stack';

const ROOT = path.resolve(__dirname, '..');

/** Every live process below `pid`, from /proc (Linux). */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts an npm script with the local stack's data in `dir`; resolves once `ready` appears in its output. */
async function npmRun(script: string, env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('npm', ['run', '--silent', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const deadline = Date.now() + 90_000;
  while (!ready.test(output)) {
    if (child.exitCode !== null) throw new Error(`npm run ${script} exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm run ${script} not ready after 90 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output };
}

/** Resolves when none of `pids` lives any more, or after `ms` with those that still do. */
async function survivors(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((resolve) => setTimeout(resolve, 100));
  return pids.filter(alive);
}

describe('npm run dev', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dev-stack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the banner with the replica port, and stops everything it and dev:replica started on SIGTERM / SIGINT', async () => {
    const [port, replicaPort, cognitoPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      DEV_LOCAL_DIR: dir,
      PORT: String(port),
      REPLICA_PORT: String(replicaPort),
      COGNITO_LOCAL_PORT: String(cognitoPort),
      REDIS_URL: stack.redisUrl,
      REDIS_KEY_PREFIX: `test:dev-stack:${process.pid}:`,
    };
    const dev = await npmRun('dev', env, /Local stack is up/);
    const started: number[] = [];
    try {
      expect(dev.output()).toContain(`A second instance on :${replicaPort} sharing the denylist: npm run dev:replica`);
      const served = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as { info: { description: string } };
      expect(served.info.description).toContain('**Local stack**');
      expect(served.info.description).toContain('`reader` / `Reader-pass-1` (readers)');
      expect(served.info.description).toContain('appear in the `npm run dev` console');

      const replica = await npmRun('dev:replica', env, /"listening"/);
      expect((await fetch(`http://127.0.0.1:${replicaPort}/healthz`)).status).toBe(200);
      started.push(...descendantsOf(dev.child.pid ?? 0), ...descendantsOf(replica.child.pid ?? 0));
      // npm, the launcher, cognito-local, tsx watch and the API; npm and the replica.
      expect(started.length).toBeGreaterThanOrEqual(4);

      dev.child.kill('SIGTERM');
      replica.child.kill('SIGINT');
      expect(await survivors(started, 10_000)).toEqual([]);
      for (const p of [port, replicaPort, cognitoPort]) {
        await expect(fetch(`http://127.0.0.1:${p}/healthz`)).rejects.toThrow();
      }
    } finally {
      for (const pid of started.filter(alive)) process.kill(pid, 'SIGKILL');
      dev.child.kill('SIGKILL');
    }
  }, 120_000);
});
