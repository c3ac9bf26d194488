import { ForbiddenError } from '../domain/errors.ts';
import type { TrailActor } from '../domain/trail.ts';

export type Role = 'requester' | 'pmo-admin' | 'compliance';

/** A signed-in person, as the identity provider vouched for them. */
export interface Caller {
  /** The token's subject: the identity. */
  sub: string;
  email: string;
  name: string;
  groups: string[];
  /** How the trail records them. */
  actor: TrailActor;
}

export function callerActor(caller: Omit<Caller, 'actor'>): TrailActor {
  return {
    type: 'person',
    id: caller.email,
    sub: caller.sub,
    name: caller.name,
    role: caller.groups.join(' '),
  };
}

/** Refuses a caller without one of the roles (403); every route checks this before anything else. */
export function requireRole(caller: Caller, ...roles: Role[]): void {
  if (!roles.some((role) => caller.groups.includes(role)))
    throw new ForbiddenError(`this needs the ${roles.join(' or ')} role`);
}
