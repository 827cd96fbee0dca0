// Scope checks: plain functions of the principal that throw; composed per route by the Express adapter.
import { InsufficientScopeError } from '../errors';
import type { Principal } from './principal';

/** Throws InsufficientScopeError unless the principal has every one of `required`. */
export function assertScopes(principal: Principal, required: readonly string[]): void {
  if (!required.every((scope) => principal.scopes.includes(scope))) throw new InsufficientScopeError(required);
}
