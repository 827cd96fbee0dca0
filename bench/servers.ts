// The processes the bench loads: started pinned to the servers' core, their log to a file, their CPU read from /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/dev/local-cognito';

const CLOCK_TICKS = 100;

/** Where the bench runs its processes: the command prefix that pins a server, and whether there is one. */
export interface Pinning {
  /** Prepended to a server's command (`taskset -c 0`), or empty. */
  server: string[];
  /** True when servers and the load generator each have a core of their own. */
  pinned: boolean;
}

/** Pins this process (the load generator) to the last core and servers to the first, when there are two cores and taskset. */
export function pinning(): Pinning {
  const cores = os.cpus().length;
  const hasTaskset = (() => {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (cores < 2 || !hasTaskset) return { server: [], pinned: false };
  execFileSync('taskset', ['-cp', String(cores - 1), String(process.pid)], { stdio: 'ignore' });
  return { server: ['taskset', '-c', '0'], pinned: true };
}

/** A server the bench started. */
export interface Server {
  /** Its name, also the name of its log file. */
  name: string;
  /** Its base URL on loopback. */
  url: string;
  /** Its process. */
  child: ChildProcess;
  /** Where its standard output and error go: the service's request log. */
  logFile: string;
  /** Set when bench/loop-lag.cjs is preloaded: SIGUSR2 makes it write the event-loop delay since the last signal here. */
  loopLagFile?: string;
}

/** How to start one server. */
export interface ServerSpec {
  /** Its name, also the name of its log file. */
  name: string;
  /** Node's arguments: the script and any flags before it (relative to `cwd`). */
  script: string[];
  /** Its environment (PORT and HOST are added). */
  env: Record<string, string>;
  /** Its working directory. */
  cwd: string;
  /** The file bench/loop-lag.cjs writes to, when it is preloaded in `script`. */
  loopLagFile?: string;
}

/** Starts `spec` under `pin` with its log in `logDir`, and resolves once its /healthz answers. */
export async function startServer(spec: ServerSpec, pin: Pinning, logDir: string): Promise<Server> {
  const port = await freePort();
  const command = [...pin.server, process.execPath, ...spec.script];
  const logFile = path.join(logDir, `${spec.name}.log`);
  const out = openSync(logFile, 'w');
  // The log goes straight to a file, not through this process, which shares its core with the load generator.
  const child = spawn(command[0]!, command.slice(1), {
    cwd: spec.cwd,
    env: { PATH: process.env.PATH, ...spec.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    const ready = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ready) return { name: spec.name, url, child, logFile, loopLagFile: spec.loopLagFile };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${spec.name} did not start; see ${logFile}`);
}

/** CPU time (user + system, all threads) of a process so far, in microseconds, from /proc. */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
}
