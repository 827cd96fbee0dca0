// Parses request input with zod; a failure becomes 400 invalid_request with one detail per problem.
import type { z } from 'zod';
import { InvalidRequestError } from '../errors';

/** Parses `input` with `schema` or throws InvalidRequestError naming each wrong field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
  const summary = details.map((detail) => `${detail.path}: ${detail.message}`).join('; ');
  throw new InvalidRequestError(`Invalid request: ${summary}`, { details });
}
