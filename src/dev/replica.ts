// `npm run dev:replica`: a second API instance on :3001 with the settings `npm run dev` wrote, for the demo.
import { existsSync } from 'node:fs';
import path from 'node:path';

const file = path.join(process.env.DEV_LOCAL_DIR ?? path.resolve(__dirname, '../../.local'), 'dev.env');
if (!existsSync(file)) {
  process.stderr.write('Start the local stack first: npm run dev\n');
  process.exit(1);
}
process.loadEnvFile(file);
process.env.PORT = process.env.REPLICA_PORT ?? '3001';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
if (!process.env.REDIS_URL) process.stderr.write('No Redis: this instance will not see logouts made on the other.\n');
// Required, not imported: the environment above must be in place before the service's modules load.
(require('../main') as typeof import('../main')).main();
