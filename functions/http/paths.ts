import { InvalidInputError } from '../domain/errors.ts';
import type { HttpEvent } from './wrapper.ts';

/**
 * Path parameters are checked for shape and length before any look-up: junk never reaches
 * the table (a 10 KB id would otherwise hit DynamoDB's key-size limit).
 */
const SHAPES = {
  projectId: {
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    says: 'must be a project id (a uuid)',
  },
  sequence: { pattern: /^[1-9][0-9]{0,3}$/, says: 'must be a gate instance number (1–9999)' },
  conditionId: { pattern: /^[1-9][0-9]{0,3}-[1-9][0-9]?$/, says: 'must be a condition id such as 2-1' },
  jobId: {
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    says: 'must be a job id (a uuid)',
  },
} as const;

export type PathParameter = keyof typeof SHAPES;

export function pathParameter(event: HttpEvent, name: PathParameter): string {
  const value = event.pathParameters?.[name] ?? '';
  const shape = SHAPES[name];
  if (value.length > 64 || !shape.pattern.test(value))
    throw new InvalidInputError('the path has problems', [{ path: `(path).${name}`, message: shape.says }]);
  return value;
}
