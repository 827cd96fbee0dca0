// The group-to-scopes map (GROUP_SCOPES): parsed once, used by the API and by the Pre Token Generation trigger.
import { z } from 'zod';

/** A scope token as RFC 6749 §3.3 allows it. */
const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope without spaces or quotes');

/** `{"<group>": ["<scope>", …]}`. */
export const groupScopesSchema = z.record(z.string(), z.array(scopeToken));

/** What GROUP_SCOPES grants: Cognito group → the scopes it grants. */
export type GroupScopes = z.infer<typeof groupScopesSchema>;

/** Parses GROUP_SCOPES text; throws an Error naming what is wrong. */
export function parseGroupScopes(text: string): GroupScopes {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('GROUP_SCOPES: must be a JSON object');
  }
  const result = groupScopesSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`GROUP_SCOPES: ${issue?.path.join('.') || '(value)'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** The scopes `groups` grant, each once, in the order the map lists them. */
export function scopesOfGroups(groups: readonly string[], groupScopes: GroupScopes): string[] {
  return [...new Set(groups.flatMap((group) => groupScopes[group] ?? []))];
}
