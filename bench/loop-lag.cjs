// Preloaded into the benchmarked server (node -r): on SIGUSR2 it writes the event-loop delay percentiles seen
// since the last signal to $LOOP_LAG_FILE and starts over, so the benchmark can read lag per phase.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { writeFileSync } = require('node:fs');

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
process.on('SIGUSR2', () => {
  const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;
  const usage = process.cpuUsage();
  writeFileSync(
    process.env.LOOP_LAG_FILE,
    JSON.stringify({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), cpuMicros: usage.user + usage.system }),
  );
  histogram.reset();
});
