// Child process of the bench: the Lambda authorizer's bundle, as deployed (one file), loaded and invoked with a REST
// TOKEN event. `cold`: the time from requiring the bundle to its first answer, in ms. `warm <n>`: one invocation to
// warm it, then the CPU of n more (process.cpuUsage around the loop), in µs per invocation. Writes JSON to the file
// it is given: its standard output is the Lambda's log.
const { writeFileSync } = require('node:fs');

const [bundle, resultFile, mode, count] = process.argv.slice(2);
const event = { type: 'TOKEN', authorizationToken: `Bearer ${process.env.BENCH_TOKEN}`, methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/books' };

async function main() {
  const started = process.hrtime.bigint();
  const { handler } = require(bundle);
  const first = await handler(event);
  const coldMs = Number(process.hrtime.bigint() - started) / 1e6;
  // A Deny or a throw would measure the refusal path: only an Allow says the rows measured an accepted token.
  if (first?.policyDocument?.Statement?.[0]?.Effect !== 'Allow') throw new Error(`the first answer is no Allow: ${JSON.stringify(first)}`);
  let result = { coldMs };
  if (mode === 'warm') {
    const n = Number(count);
    const before = process.cpuUsage();
    for (let i = 0; i < n; i += 1) await handler(event);
    const used = process.cpuUsage(before);
    result = { coldMs, invocations: n, cpuMicrosPerInvocation: (used.user + used.system) / n };
  }
  await handler.close();
  writeFileSync(resultFile, JSON.stringify(result));
}

main().catch((err) => {
  process.stderr.write(`authorizer: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
