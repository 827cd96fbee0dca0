// The local stack's sign-in flows (auth-flows.ts) as a process of their own, beside cognito-local's: in the process
// that starts the stack they would share its event loop with whatever it runs (the bench's load generator).
// Arguments: <cognito-local URL> <its db dir> <port> <listen host>. Stops on SIGTERM.
import { startAuthFlows } from './auth-flows';

const [upstream = '', dbDir = '', port = '0', host = '127.0.0.1'] = process.argv.slice(2);
startAuthFlows({ upstream, dbDir, port: Number(port), host }).then(
  (flows) => {
    process.once('SIGTERM', () => void flows.close().then(() => process.exit(0)));
  },
  (err: unknown) => {
    process.stderr.write(`the local sign-in flows did not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
