import * as z from 'zod/mini';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { safeLine, safeText } from '../domain/text.ts';
import { CHAINS, canonicalJson, type TrailEvent } from '../domain/trail.ts';
import type { Problem } from '../domain/validation.ts';
import { parseWith } from '../domain/validation.ts';
import { type Caller, requireRole } from './caller.ts';
import type { DirectoryPerson, RequestSource } from './model.ts';
import { type Ports, WriteRejectedError } from './ports.ts';
import { pageCursor, pageLimit, parseQuery } from './query.ts';
import { canonical, nowIso, today } from './shared.ts';

type PeoplePorts = Pick<Ports, 'repository' | 'clock' | 'settings'>;

/** What the directory records about someone's part (the identity provider's groups grant access). */
export const DIRECTORY_ROLES = ['requester', 'pmo-admin', 'compliance', 'approver'] as const;

const email = z.email().check(z.toLowerCase(), z.maxLength(254));
const reason = safeText(1, 1000);
export const personSchema = z.strictObject({
  name: safeLine(1, 200),
  roles: z.array(z.enum(DIRECTORY_ROLES)).check(z.maxLength(DIRECTORY_ROLES.length)),
  reason,
});
export const awaySchema = z.strictObject({
  from: z.iso.date(),
  until: z.iso.date(),
  delegate: email,
  reason,
});
export const backSchema = z.strictObject({ reason });
export const peopleQuery = z.strictObject({ limit: z.optional(pageLimit), cursor: z.optional(pageCursor) });

interface PersonArgs {
  email: string;
  body: unknown;
  source: RequestSource;
}

/** GET /people: the directory, by e-mail, a page at a time. */
export async function listPeople(
  ports: PeoplePorts,
  caller: Caller,
  args: { query: Record<string, string | undefined> | undefined },
): Promise<{ people: DirectoryPerson[]; cursor?: string }> {
  requireRole(caller, 'pmo-admin');
  const query = parseQuery(peopleQuery, args.query);
  const page = await ports.repository.listPeople({
    ...(query.limit ? { limit: Number(query.limit) } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return { people: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) };
}

/** GET /people/{email}: one entry, by any spelling of the address. */
export async function showPerson(
  ports: PeoplePorts,
  caller: Caller,
  args: { email: string },
): Promise<DirectoryPerson> {
  requireRole(caller, 'pmo-admin');
  return known(ports, args.email);
}

/**
 * PUT /people/{email}: adds someone to the directory or changes their printed name and roles (what
 * gates print and mail), with a reason; what changed is trailed field by field. Their away entry
 * and identity are kept. An unchanged entry writes nothing.
 */
export async function putPerson(
  ports: PeoplePorts,
  caller: Caller,
  args: PersonArgs,
): Promise<{ created: boolean; person: DirectoryPerson }> {
  requireRole(caller, 'pmo-admin');
  const parsed = parseWith(personSchema, args.body);
  if (!parsed.ok) throw new InvalidInputError('the entry has problems', parsed.problems);
  const key = addressOf(ports, args.email);
  const before = await ports.repository.getPerson(key);
  const roles = DIRECTORY_ROLES.filter((r) => parsed.value.roles.includes(r));
  const person: DirectoryPerson = {
    ...before,
    email: key,
    name: parsed.value.name,
    roles,
    updatedAt: nowIso(ports),
  };
  const changes = changesOf(before, person, ['name', 'roles']);
  if (before && Object.keys(changes).length === 0) return { created: false, person: before };
  await write(
    ports,
    person,
    before,
    personEvent(ports, caller, args.source, person, {
      action: before ? 'person.changed' : 'person.added',
      detail: { reason: parsed.value.reason, changes },
    }),
  );
  return { created: !before, person };
}

/**
 * PUT /people/{email}/away: from `from` to `until` (UTC days, inclusive) gates that open ask the
 * delegate instead (usecases/gates.ts). The delegate is someone else in the directory who is not
 * away then themselves.
 */
export async function setAway(
  ports: PeoplePorts,
  caller: Caller,
  args: PersonArgs,
): Promise<DirectoryPerson> {
  requireRole(caller, 'pmo-admin');
  const parsed = parseWith(awaySchema, args.body);
  if (!parsed.ok) throw new InvalidInputError('the absence has problems', parsed.problems);
  const before = await known(ports, args.email);
  const { from, until, reason } = parsed.value;
  const delegate = canonical(ports, parsed.value.delegate);
  const problems: Problem[] = [];
  if (until < from) problems.push({ path: 'until', message: 'must be on or after from' });
  if (until < today(ports)) problems.push({ path: 'until', message: 'must not be in the past' });
  let stand: DirectoryPerson | undefined;
  if (delegate === before.email) problems.push({ path: 'delegate', message: 'is the person who is away' });
  else {
    stand = await ports.repository.getPerson(delegate);
    if (!stand) problems.push({ path: 'delegate', message: 'is not in the directory' });
    else if (stand.away && stand.away.from <= until && from <= stand.away.until)
      problems.push({
        path: 'delegate',
        message: `is away themselves from ${stand.away.from} to ${stand.away.until}`,
      });
  }
  if (problems.length > 0) throw new InvalidInputError('the absence has problems', problems);
  const person: DirectoryPerson = { ...before, away: { from, until, delegate }, updatedAt: nowIso(ports) };
  await write(
    ports,
    person,
    before,
    personEvent(ports, caller, args.source, person, {
      action: 'person.away',
      detail: { reason, from, until, delegate, changes: changesOf(before, person, ['away']) },
    }),
    stand,
  );
  return person;
}

/** POST /people/{email}/back: the absence ends now; gates that open ask them again. */
export async function setBack(
  ports: PeoplePorts,
  caller: Caller,
  args: PersonArgs,
): Promise<DirectoryPerson> {
  requireRole(caller, 'pmo-admin');
  const parsed = parseWith(backSchema, args.body);
  if (!parsed.ok) throw new InvalidInputError('the return has problems', parsed.problems);
  const before = await known(ports, args.email);
  if (!before.away) throw new ConflictError(`${before.email} is not away`);
  const { away: _ended, ...rest } = before;
  const person: DirectoryPerson = { ...rest, updatedAt: nowIso(ports) };
  await write(
    ports,
    person,
    before,
    personEvent(ports, caller, args.source, person, {
      action: 'person.back',
      detail: { reason: parsed.value.reason, changes: changesOf(before, person, ['away']) },
    }),
  );
  return person;
}

/** The path's address as the directory keys it (lower case, sub-address dropped where it is one mailbox). */
function addressOf(ports: PeoplePorts, raw: string): string {
  const parsed = parseWith(email, raw);
  if (!parsed.ok)
    throw new InvalidInputError('the path has problems', [
      { path: '(path).email', message: 'must be an e-mail address' },
    ]);
  return canonical(ports, parsed.value);
}

async function known(ports: PeoplePorts, raw: string): Promise<DirectoryPerson> {
  const key = addressOf(ports, raw);
  const person = await ports.repository.getPerson(key);
  if (!person) throw new NotFoundError(`${key} is not in the directory`);
  return person;
}

/**
 * Written over exactly what was read, the delegate's entry included: two admins editing one entry
 * never lose an edit silently, and two absences cannot each name the other person as delegate.
 */
async function write(
  ports: PeoplePorts,
  person: DirectoryPerson,
  before: DirectoryPerson | undefined,
  event: TrailEvent,
  delegate?: DirectoryPerson,
): Promise<void> {
  try {
    await ports.repository.putPerson(person, event, {
      entry: before ?? null,
      ...(delegate ? { delegate } : {}),
    });
  } catch (error) {
    if (!(error instanceof WriteRejectedError)) throw error;
    if (error.guards.includes('delegate-unchanged') && !error.guards.includes('person-unchanged'))
      throw new ConflictError('the delegate changed meanwhile; look again');
    throw new ConflictError(`the entry of ${person.email} changed meanwhile; look again`);
  }
}

function personEvent(
  ports: PeoplePorts,
  caller: Caller,
  source: RequestSource,
  person: DirectoryPerson,
  what: { action: string; detail: Record<string, unknown> },
): TrailEvent {
  return {
    chain: CHAINS.people,
    subject: { person: person.email },
    at: person.updatedAt ?? nowIso(ports),
    actor: caller.actor,
    action: what.action,
    source,
    detail: what.detail,
  };
}

/** Each field that changed, with what it was and what it is (absent on the side where it is not set). */
export function changesOf<T extends object>(
  before: T | undefined,
  after: T,
  fields: (keyof T & string)[],
): Record<string, { before?: unknown; after?: unknown }> {
  const out: Record<string, { before?: unknown; after?: unknown }> = {};
  for (const field of fields) {
    const was = before?.[field];
    const is = after[field];
    if (canonicalJson(was) === canonicalJson(is)) continue;
    out[field] = {
      ...(was === undefined ? {} : { before: was }),
      ...(is === undefined ? {} : { after: is }),
    };
  }
  return out;
}
