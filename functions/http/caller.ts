import { UnauthorizedError } from '../domain/errors.ts';
import type { TrailActor } from '../domain/trail.ts';
import { type Caller, callerActor } from '../usecases/caller.ts';
import type { HttpEvent } from './wrapper.ts';

/**
 * The signed-in caller, from the claims API Gateway's JWT authorizer verified. Identity is
 * the token's `sub`, with a verified e-mail (a person cannot become someone else by changing
 * theirs). API Gateway hands claims over as strings — `true` as "true", arrays as `[a b]` —
 * so both shapes are read.
 */
export function callerOf(event: HttpEvent): Caller {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const email = typeof claims?.email === 'string' ? claims.email.toLowerCase() : undefined;
  const sub = typeof claims?.sub === 'string' ? claims.sub : undefined;
  if (!claims || !email || !sub) throw new UnauthorizedError('sign in to use this API');
  if (claims.email_verified !== true && claims.email_verified !== 'true')
    throw new UnauthorizedError('sign in with a verified e-mail address');
  const rawGroups = claims['cognito:groups'];
  const groups = Array.isArray(rawGroups)
    ? rawGroups.map(String)
    : String(rawGroups ?? '')
        .replace(/^\[|\]$/g, '')
        .split(/[\s,]+/)
        .filter(Boolean);
  const caller = { sub, email, name: typeof claims.name === 'string' ? claims.name : email, groups };
  return { ...caller, actor: callerActor(caller) };
}

/** Who a refused request came from, for the trail: the caller if signed in, else anonymous. */
export function actorOf(event: HttpEvent): TrailActor {
  try {
    return callerOf(event).actor;
  } catch {
    return { type: 'person', id: 'anonymous' };
  }
}
