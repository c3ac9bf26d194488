import { ForbiddenError, UnauthorizedError } from '../domain/errors.ts';
import type { Caller } from '../usecases/projects.ts';
import type { HttpEvent } from './wrapper.ts';

export type Role = 'requester' | 'pmo-admin' | 'compliance';

/**
 * The signed-in caller, from the claims API Gateway's JWT authorizer verified.
 * API Gateway hands array claims over as one string, `[a b]`; both shapes are read.
 */
export function callerOf(event: HttpEvent): Caller {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const email = typeof claims?.email === 'string' ? claims.email.toLowerCase() : undefined;
  if (!claims || !email) throw new UnauthorizedError('sign in to use this API');
  const rawGroups = claims['cognito:groups'];
  const groups = Array.isArray(rawGroups)
    ? rawGroups.map(String)
    : String(rawGroups ?? '')
        .replace(/^\[|\]$/g, '')
        .split(/[\s,]+/)
        .filter(Boolean);
  return { email, name: typeof claims.name === 'string' ? claims.name : email, groups };
}

export function requireRole(caller: Caller, role: Role): void {
  if (!caller.groups.includes(role)) throw new ForbiddenError(`this needs the ${role} role`);
}
