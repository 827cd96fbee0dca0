// `npm run build:lambdas`: one esbuild bundle per Lambda entry point of src/lambda, each a single index.js that loads
// and answers with no node_modules around it, as Lambda runs it (`index.handler`), for the stack's assets.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LAMBDA_BUNDLES } from '../deploy/aws/lib/lambda-bundles';

const ROOT = path.resolve(__dirname, '..');
let outdir: string;

beforeAll(() => {
  // Under the system's temp folder: no node_modules up the tree, so a bundle that left a dependency out can't load.
  outdir = mkdtempSync(path.join(tmpdir(), 'lambda-bundles-'));
  execFileSync('npm', ['run', '--silent', 'build:lambdas', '--', '--outdir', outdir], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
}, 150_000);

/** Runs `script` in a fresh Node process beside the bundles, with `env` only; answers what it printed, parsed. */
function inFreshNode(script: string, env: Record<string, string> = {}): unknown {
  const out = execFileSync(process.execPath, ['-e', script], { cwd: outdir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
  return JSON.parse(out.toString('utf8')) as unknown;
}

describe('npm run build:lambdas', () => {
  it('bundles every file of src/lambda that exports handler, each deployed by the stack', () => {
    const sources = path.join(ROOT, 'src/lambda');
    const entryPoints = readdirSync(sources)
      .filter((file) => file.endsWith('.ts') && /^export const handler\b/m.test(readFileSync(path.join(sources, file), 'utf8')))
      .map((file) => file.slice(0, -'.ts'.length));
    const bundles = readdirSync(outdir).sort();
    expect(bundles).toEqual(entryPoints.sort());
    expect(bundles).toEqual(expect.arrayContaining(['post-confirmation', 'pre-token-generation', 'session-events']));
    // The authorizer joins the list once src/lambda/authorizer.ts is there (issue 24.1); the stack deploys it already.
    expect(LAMBDA_BUNDLES).toEqual(expect.arrayContaining(bundles));
    for (const bundle of bundles) expect(readdirSync(path.join(outdir, bundle))).toEqual(['index.js']);
  });

  it('writes bundles that load with no node_modules and export handler', () => {
    const loaded = inFreshNode(
      `const names = ${JSON.stringify(readdirSync(outdir))};
       console.log(JSON.stringify(Object.fromEntries(names.map((n) => [n, typeof require('./' + n + '/index.js').handler]))));`,
    );
    expect(loaded).toEqual(Object.fromEntries(readdirSync(outdir).map((name) => [name, 'function'])));
  });

  it('writes a Pre Token Generation bundle that adds the scopes of the groups, read from GROUP_SCOPES', () => {
    const event = {
      version: '2',
      triggerSource: 'TokenGeneration_Authentication',
      request: { groupConfiguration: { groupsToOverride: ['editors'] }, scopes: ['openid'] },
      response: { claimsAndScopeOverrideDetails: null },
    };
    const answer = inFreshNode(
      `require('./pre-token-generation/index.js').handler(${JSON.stringify(event)}).then((e) => console.log(JSON.stringify(e.response)));`,
      { GROUP_SCOPES: JSON.stringify({ editors: ['books/read', 'books/write'] }) },
    );
    expect(answer).toEqual({ claimsAndScopeOverrideDetails: { accessTokenGeneration: { scopesToAdd: ['books/read', 'books/write'] } } });
  });

  it("writes a Post Confirmation bundle that reads the service's configuration and passes a sign-up through", () => {
    const event = {
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      userPoolId: 'eu-west-1_Bundle1',
      userName: 'ada',
      request: { userAttributes: { sub: '0000' } },
      response: {},
    };
    const answer = inFreshNode(
      `require('./post-confirmation/index.js').handler(${JSON.stringify(event)}).then((e) => console.log(JSON.stringify(e)));`,
      // A sign-up writes nothing: Redis is never connected to.
      { COGNITO_USER_POOL_ID: 'eu-west-1_Bundle1', AWS_REGION: 'eu-west-1', REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'silent' },
    );
    expect(answer).toEqual(event);
  });
});
