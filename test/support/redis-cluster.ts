// Starts a real three-master Redis Cluster on loopback ports for the cluster tests, and stops it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/dev/local-cognito';
import { redisAnswers } from '../../src/dev/local-redis';

/** One master of the test cluster. */
export interface ClusterNode {
  port: number;
  process: ChildProcess;
}

/** A running test cluster. */
export interface TestCluster {
  nodes: ClusterNode[];
  /** `127.0.0.1:p1,127.0.0.1:p2,…`, the value of REDIS_CLUSTER_NODES. */
  seeds: string;
  /** The port of the master that owns `key`'s slot. */
  ownerOf(key: string): number;
  stop(): void;
}

const cli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();

/**
 * Three masters, no replicas, full coverage not required (so losing one master leaves the others serving) and a
 * short node timeout (so the survivors notice in two seconds).
 */
export async function startRedisCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-cluster-'));
  const ports: number[] = [];
  while (ports.length < 3) {
    const port = await freePort();
    // The cluster bus listens on port + 10000: both must be free and distinct.
    if (port < 55000 && !ports.includes(port)) ports.push(port);
  }
  const nodes = ports.map((port) => ({
    port,
    process: spawn(
      'redis-server',
      [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '2000', '--cluster-require-full-coverage', 'no', '--dir', dir,
      ],
      { stdio: 'ignore' },
    ),
  }));
  for (const node of nodes) {
    for (let i = 0; i < 50 && !(await redisAnswers(`redis://127.0.0.1:${node.port}`)); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i += 1) {
    if (ports.every((port) => cli(port, 'cluster', 'info').includes('cluster_state:ok'))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const slots = JSON.parse(cli(ports[0]!, '--json', 'cluster', 'slots')) as [number, number, [string, number]][];
  const ranges = slots.map(([from, to, [, port]]) => ({ from, to, port }));
  return {
    nodes,
    seeds: ports.map((port) => `127.0.0.1:${port}`).join(','),
    ownerOf: (key: string) => {
      const slot = Number(cli(ports[0]!, 'cluster', 'keyslot', key));
      return ranges.find((range) => slot >= range.from && slot <= range.to)!.port;
    },
    stop: () => {
      for (const node of nodes) node.process.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
