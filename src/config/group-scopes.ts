// The group-to-scopes map (GROUP_SCOPES): one parser, for the API's configuration and the Pre Token Generation trigger.
import { z } from 'zod';

/** A scope token as RFC 6749 §3.3 allows it. */
const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope without spaces or quotes');

/** What GROUP_SCOPES grants: Cognito group → the scopes it grants. */
export type GroupScopes = ReadonlyMap<string, readonly string[]>;

/**
 * `{"<group>": ["<scope>", …]}` into a Map built from the object's own entries. A group may be called anything,
 * `__proto__` and `constructor` included: a plain-object lookup would reach Object.prototype for those (and zod's
 * record drops a `__proto__` key), so the map is the only form the service reads.
 */
export const groupScopesSchema = z.unknown().transform((value, ctx): GroupScopes => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
    return z.NEVER;
  }
  const map = new Map<string, readonly string[]>();
  for (const [group, scopes] of Object.entries(value)) {
    const parsed = z.array(scopeToken).safeParse(scopes);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [group, ...issue.path] });
      return z.NEVER;
    }
    map.set(group, parsed.data);
  }
  return map;
});

/** GROUP_SCOPES as the environment holds it: JSON text, `{}` when unset. */
export const groupScopesText = z
  .string()
  .default('{}')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
  })
  .pipe(groupScopesSchema);

/** Parses GROUP_SCOPES text outside the service's configuration (the trigger); throws an Error naming the fault. */
export function parseGroupScopes(text: string | undefined): GroupScopes {
  const result = groupScopesText.safeParse(text);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new Error(`GROUP_SCOPES: ${where}${issue?.message ?? 'invalid'}`);
}

/** The scopes `groups` grant, each once, in the order the map lists them. */
export function scopesOfGroups(groups: readonly string[], groupScopes: GroupScopes): string[] {
  return [...new Set(groups.flatMap((group) => groupScopes.get(group) ?? []))];
}
