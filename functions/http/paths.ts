import { InvalidInputError } from '../domain/errors.ts';
import type { HttpEvent } from './wrapper.ts';

/**
 * Path parameters are checked for shape and length before any look-up: junk never reaches
 * the table (a 10 KB id would otherwise hit DynamoDB's key-size limit).
 */
export const SHAPES = {
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
  definitionId: {
    pattern: /^[a-z0-9][a-z0-9-]{0,62}$/,
    says: 'must be a process id (lower-case letters, digits and dashes)',
  },
  version: { pattern: /^[1-9][0-9]{0,5}$/, says: 'must be a version number (1–999999)' },
  /** A person of the directory (the use case lower-cases it); the e-mail shape zod's `email()` takes. */
  email: {
    pattern:
      /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/,
    says: 'must be an e-mail address',
    maxLength: 254,
  },
  /** The console's files: a name and an extension, no path (`..` and slashes cannot match). */
  asset: { pattern: /^[a-z][a-z0-9-]{0,30}\.(?:js|css)$/, says: 'must be a file of the console' },
} as const;

export type PathParameter = keyof typeof SHAPES;

export function pathParameter(event: HttpEvent, name: PathParameter): string {
  const value = event.pathParameters?.[name] ?? '';
  const shape = SHAPES[name];
  const maxLength = 'maxLength' in shape ? shape.maxLength : 64;
  if (value.length > maxLength || !shape.pattern.test(value))
    throw new InvalidInputError('the path has problems', [{ path: `(path).${name}`, message: shape.says }]);
  return value;
}
