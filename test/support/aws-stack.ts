// The AWS stack (deploy/aws) as `cdk synth` writes it, offline: deploy/aws's own dependencies installed when missing,
// stub Lambda bundles, no AWS credentials or network, and aws-cdk-lib/assertions loaded from deploy/aws.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LAMBDA_BUNDLES } from '../../deploy/aws/lib/lambda-bundles';

const ROOT = path.resolve(__dirname, '../..');
/** The CDK app's folder. */
export const AWS_DIR = path.join(ROOT, 'deploy/aws');

/** The context a test deploys with: what a team passes with `-c`. */
export const TEST_CONTEXT = {
  publicUrl: 'https://api.example.com',
  certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
  domainPrefix: 'cognito-jwt-api-test',
};

/** The region the synth runs in (the CLI takes it for the stack's, as `cdk deploy` would). */
export const TEST_REGION = 'eu-west-1';

/** One resource of a CloudFormation template. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

/** A synthesized template. */
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

/**
 * The part of aws-cdk-lib/assertions the tests use. Declared here, not imported: the root's type-check runs before
 * anything installs deploy/aws, so it must not need deploy/aws's types.
 */
export interface Assertions {
  Template: { fromJSON(template: CfnTemplate): AssertionTemplate };
  Match: {
    objectLike(pattern: Record<string, unknown>): unknown;
    arrayWith(pattern: unknown[]): unknown;
    exact(pattern: unknown): unknown;
    absent(): unknown;
    anyValue(): unknown;
    stringLikeRegexp(pattern: string): unknown;
  };
}

/** aws-cdk-lib/assertions' Template, as far as the tests use it. */
export interface AssertionTemplate {
  hasResourceProperties(type: string, props: unknown): void;
  resourceCountIs(type: string, count: number): void;
  hasOutput(logicalId: string, props: unknown): void;
  findResources(type: string, props?: unknown): Record<string, CfnResource>;
}

/** What one synth produced. */
export interface Synthesized {
  /** The stack's template. */
  template: CfnTemplate;
  /** The same, for aws-cdk-lib/assertions. */
  assertions: AssertionTemplate;
  /** aws-cdk-lib/assertions' Match. */
  match: Assertions['Match'];
  /** The cloud assembly folder (assets staged in it). */
  outdir: string;
}

/**
 * Installs deploy/aws's dependencies from its lockfile unless they are there (CI's .ci/run installs them first; a
 * fresh clone's `npm test` gets them here, once).
 */
export function ensureCdkInstalled(): void {
  if (existsSync(path.join(AWS_DIR, 'node_modules/aws-cdk-lib/package.json')) && existsSync(path.join(AWS_DIR, 'node_modules/.bin/cdk'))) {
    return;
  }
  process.stdout.write('aws-stack: deploy/aws has no node_modules; installing it: npm ci --prefix deploy/aws\n');
  execFileSync('npm', ['ci', '--prefix', AWS_DIR, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit', timeout: 300_000 });
}

/** An environment with no AWS credentials, profile or metadata service: the CLI then makes no call to AWS. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(AWS_|CDK_)/.test(key)) delete env[key];
  }
  return {
    ...env,
    AWS_REGION: TEST_REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

/**
 * Runs `cdk synth` on deploy/aws with TEST_CONTEXT and `context`, into a temporary folder. The Lambda bundles are stubs
 * (one `index.js` each): the template is about the stack, not the code, and the stub keeps it apart from the build
 * (test/lambda-bundles.test.ts builds the real ones). Throws with the CLI's output when the synth fails.
 */
export function synthesize(context: Record<string, string> = {}): Synthesized {
  ensureCdkInstalled();
  const work = mkdtempSync(path.join(tmpdir(), 'cognito-jwt-api-cdk-'));
  const bundles = path.join(work, 'lambda-bundles');
  for (const bundle of LAMBDA_BUNDLES) {
    mkdirSync(path.join(bundles, bundle), { recursive: true });
    writeFileSync(path.join(bundles, bundle, 'index.js'), `exports.handler = async () => { throw new Error('stub of ${bundle}'); };\n`);
  }
  const outdir = path.join(work, 'cdk.out');
  const flags = Object.entries({ ...TEST_CONTEXT, lambdaBundlesDir: bundles, ...context }).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  try {
    execFileSync(path.join(AWS_DIR, 'node_modules/.bin/cdk'), ['synth', '--no-notices', '--no-version-reporting', '--quiet', '--output', outdir, ...flags], {
      cwd: AWS_DIR,
      env: offlineEnv(),
      stdio: 'pipe',
      timeout: 180_000,
    });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`cdk synth failed:\n${String(stdout ?? '')}${String(stderr ?? '')}`, { cause: err });
  }
  const template = JSON.parse(readFileSync(path.join(outdir, 'CognitoJwtApi.template.json'), 'utf8')) as CfnTemplate;
  // createRequire from deploy/aws: the root's node_modules has no aws-cdk-lib.
  const { Template, Match } = createRequire(path.join(AWS_DIR, 'package.json'))('aws-cdk-lib/assertions') as Assertions;
  return { template, assertions: Template.fromJSON(template), match: Match, outdir };
}

/** The resources of `type`, by logical id. */
export function resourcesOf(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The one resource of `type` whose properties pass `test`; throws unless exactly one does. */
export function theResource(
  template: CfnTemplate,
  type: string,
  test: (props: Record<string, unknown>) => boolean = () => true,
): [string, Record<string, unknown>] {
  const found = resourcesOf(template, type).filter(([, resource]) => test(resource.Properties ?? {}));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [id, resource] = found[0]!;
  return [id, resource.Properties ?? {}];
}

/** `{ Ref: id }`. */
export const ref = (id: string) => ({ Ref: id });

/** `{ "Fn::GetAtt": [id, attribute] }`. */
export const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });
