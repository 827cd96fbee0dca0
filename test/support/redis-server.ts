// The tests' Redis helpers live with the dev tools, which the benchmark shares.
export { findOrStartRedis, startRedisServer, type TestRedis } from '../../src/dev/local-redis';
