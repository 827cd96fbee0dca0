// The tests' Redis helpers live with the dev tools, which the benchmark shares.
export { findOrStartRedis, startRedisServer, type TestRedis } from '../../src/dev/local-redis';

/** The RESP version a connection speaks, as the server sees it (`resp=` in CLIENT INFO, Redis 6.2 or later). */
export async function protocolOf(connection: { call(command: string, ...args: string[]): Promise<unknown> }): Promise<number> {
  return Number(/\bresp=(\d)/.exec(String(await connection.call('CLIENT', 'INFO')))?.[1]);
}
