// `npm run build:lambdas` (at the repository root): one esbuild bundle per Lambda entry point, for the stack's assets.
// An entry point is a file of src/lambda/ that exports `handler`; it becomes <outdir>/<name>/index.js, one file with
// every dependency inside, as Lambda loads it (`index.handler`). esbuild comes with the root's devDependencies.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '../../..');
const SOURCES = path.join(ROOT, 'src/lambda');

/** The entry points of src/lambda, by name: the files that export `handler`. */
export function lambdaEntryPoints(): string[] {
  return readdirSync(SOURCES)
    .filter((file) => file.endsWith('.ts') && /^export const handler\b/m.test(readFileSync(path.join(SOURCES, file), 'utf8')))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

/** Bundles every entry point into `outdir`, replacing what was there; answers the names. */
export async function bundleLambdas(outdir: string): Promise<string[]> {
  const names = lambdaEntryPoints();
  rmSync(outdir, { recursive: true, force: true });
  for (const name of names) {
    await build({
      entryPoints: [path.join(SOURCES, `${name}.ts`)],
      outfile: path.join(outdir, name, 'index.js'),
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      // Smaller and quicker to load, with the names kept for readable stack traces in CloudWatch.
      minifySyntax: true,
      minifyWhitespace: true,
      legalComments: 'none',
      logLevel: 'warning',
      tsconfig: path.join(ROOT, 'tsconfig.json'),
    });
  }
  return names;
}

if (require.main === module) {
  const flag = process.argv.indexOf('--outdir');
  const outdir = path.resolve(flag > 0 ? (process.argv[flag + 1] ?? '') : path.join(__dirname, '../lambda-bundles'));
  bundleLambdas(outdir).then(
    (names) => process.stdout.write(`build:lambdas: ${names.map((name) => `${name}/index.js`).join(', ')} in ${outdir}\n`),
    (err: unknown) => {
      process.stderr.write(`build:lambdas failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
