import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  APPENDABLE_AFTER_SEAL,
  appendAll,
  appendTo,
  CHAINS,
  type ChainHead,
  canonicalJson,
  GENESIS_HASH,
  sha256Hex,
  type TrailEntry,
  type TrailEvent,
  verifyChain,
} from '../../functions/domain/trail.ts';
import { reverseKeys } from '../support/objects.ts';

const RUNS = { numRuns: 100 };

const chainArb = fc.oneof(
  fc.uuid().map(CHAINS.project),
  fc.constantFrom(CHAINS.intake, CHAINS.access, CHAINS.people),
  fc.constantFrom('standard', 'small-projects').map(CHAINS.definition),
);

const eventArb: fc.Arbitrary<TrailEvent> = fc.record(
  {
    chain: chainArb,
    subject: fc.record(
      {
        projectId: fc.uuid(),
        gateId: fc.constantFrom('scoping', 'business-case', 'launch', 'close-out'),
        sequence: fc.integer({ min: 1, max: 50 }),
        definitionId: fc.constantFrom('standard', 'small-projects'),
        person: fc.constantFrom('sam.sponsor@example.com', 'pat.pmo@example.com'),
      },
      { requiredKeys: [] },
    ),
    at: fc
      .date({
        min: new Date('2020-01-01T00:00:00Z'),
        max: new Date('2040-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
    actor: fc.record(
      {
        type: fc.constantFrom<'person' | 'system'>('person', 'system'),
        id: fc.string({ minLength: 1, maxLength: 30 }),
        sub: fc.uuid(),
        name: fc.string({ maxLength: 20 }),
        role: fc.constantFrom('pmo-admin', 'requester', 'approver'),
      },
      { requiredKeys: ['type', 'id'] },
    ),
    action: fc.constantFrom(
      'project.submitted',
      'gate.opened',
      'decision.recorded',
      'gate.decided',
      'gate.expired',
      'project.closed',
      'trail.exported',
    ),
    definition: fc.record({
      id: fc.constantFrom('standard', 'small-projects'),
      version: fc.integer({ min: 1, max: 50 }),
    }),
    source: fc.record({ ip: fc.ipV4(), userAgent: fc.string({ maxLength: 40 }) }),
    packageHash: fc.stringMatching(/^[0-9a-f]{64}$/),
    detail: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  },
  { requiredKeys: ['chain', 'at', 'actor', 'action', 'detail'] },
);

const eventsArb = (minLength = 1) => fc.array(eventArb, { minLength, maxLength: 8 });

function chainOf(events: readonly TrailEvent[]): TrailEntry[] {
  const entries: TrailEntry[] = [];
  for (const event of events) entries.push(appendTo(entries.at(-1), event));
  return entries;
}

function headOf(entries: readonly TrailEntry[]): ChainHead | undefined {
  const last = entries.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : undefined;
}

/** What the hash of an entry is meant to be: sha256 over the canonical JSON of everything but `hash`. */
function rehash(entry: TrailEntry): TrailEntry {
  const { hash: _old, ...body } = entry;
  return { ...body, hash: createHash('sha256').update(canonicalJson(body)).digest('hex') };
}

/** Ways to alter one field of a recorded entry; each one really changes what is hashed (or the hash). */
const TAMPERS: Record<string, (e: TrailEntry) => TrailEntry> = {
  chain: (e) => ({ ...e, chain: `${e.chain}-other` }),
  detail: (e) => ({ ...e, detail: { forged: canonicalJson(e.detail) } }),
  'actor.id': (e) => ({ ...e, actor: { ...e.actor, id: `${e.actor.id}x` } }),
  'actor.type': (e) => ({
    ...e,
    actor: { ...e.actor, type: e.actor.type === 'person' ? 'system' : 'person' },
  }),
  'actor.role': (e) => ({
    ...e,
    actor: { ...e.actor, role: e.actor.role === 'pmo-admin' ? 'auditor' : 'pmo-admin' },
  }),
  at: (e) => ({ ...e, at: new Date(Date.parse(e.at) + 1000).toISOString() }),
  action: (e) => ({ ...e, action: `${e.action}.forged` }),
  'subject.projectId': (e) => ({
    ...e,
    subject: { ...e.subject, projectId: `${e.subject?.projectId ?? 'p'}-other` },
  }),
  'definition.version': (e) => ({
    ...e,
    definition: e.definition
      ? { ...e.definition, version: e.definition.version + 1 }
      : { id: 'standard', version: 1 },
  }),
  packageHash: (e) => ({ ...e, packageHash: e.packageHash === undefined ? 'f'.repeat(64) : undefined }),
  source: (e) => ({ ...e, source: e.source === undefined ? { ip: '10.0.0.1', userAgent: 'x' } : undefined }),
  seq: (e) => ({ ...e, seq: e.seq + 1 }),
  prevHash: (e) => ({ ...e, prevHash: sha256Hex(`not ${e.prevHash}`) }),
  hash: (e) => ({ ...e, hash: sha256Hex(`not ${e.hash}`) }),
};
const tamperArb = fc.constantFrom(...Object.keys(TAMPERS));

const sampleEvent: TrailEvent = {
  chain: CHAINS.project('p-1'),
  subject: { projectId: 'p-1', gateId: 'scoping', sequence: 1 },
  at: '2030-01-01T09:00:00.000Z',
  actor: { type: 'person', id: 'sam.sponsor@example.com' },
  action: 'gate.decided',
  definition: { id: 'standard', version: 1 },
  source: { ip: '192.0.2.1', userAgent: 'Mail' },
  packageHash: 'a'.repeat(64),
  detail: { gateId: 'scoping', outcome: 'go' },
};

describe('appendTo', () => {
  it('starts a chain at seq 1 pointing at the genesis hash', () => {
    // Prepare
    const event = sampleEvent;

    // Act
    const entry = appendTo(undefined, event);

    // Assess
    expect(entry.seq).toBe(1);
    expect(entry.prevHash).toBe(GENESIS_HASH);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(entry).toMatchObject(event);
    expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes the entry itself: sha256 of the canonical JSON of everything but the hash', () => {
    // Prepare
    const head: ChainHead = { seq: 4, hash: 'b'.repeat(64) };

    // Act
    const entry = appendTo(head, sampleEvent);

    // Assess
    expect(entry.seq).toBe(5);
    expect(entry.prevHash).toBe('b'.repeat(64));
    expect(entry.hash).toBe(rehash(entry).hash);
  });

  it('property: chains seq 1..n, each pointing at the hash before it', () => {
    fc.assert(
      fc.property(eventsArb(), (events) => {
        // Prepare — events

        // Act
        const entries = chainOf(events);

        // Assess
        entries.forEach((entry, i) => {
          expect(entry.seq).toBe(i + 1);
          expect(entry.prevHash).toBe(i === 0 ? GENESIS_HASH : entries[i - 1]?.hash);
          expect(entry.hash).toBe(rehash(entry).hash);
        });
        expect(new Set(entries.map((e) => e.hash)).size).toBe(entries.length);
      }),
      RUNS,
    );
  });

  it('the same event at another place in the chain gets another hash', () => {
    // Prepare
    const first = appendTo(undefined, sampleEvent);

    // Act
    const second = appendTo(first, sampleEvent);

    // Assess
    expect(second.hash).not.toBe(first.hash);
  });
});

describe('verifyChain', () => {
  it('accepts an empty chain', () => {
    // Prepare
    const entries: TrailEntry[] = [];

    // Act
    const result = verifyChain(entries);

    // Assess
    expect(result).toEqual({ ok: true, count: 0, head: undefined });
  });

  it('property: an intact chain verifies, with and without its head', () => {
    fc.assert(
      fc.property(eventsArb(), (events) => {
        // Prepare
        const entries = chainOf(events);
        const head = headOf(entries);

        // Act
        const plain = verifyChain(entries);
        const againstHead = verifyChain(entries, head);

        // Assess
        expect(plain).toEqual({ ok: true, count: entries.length, head });
        expect(againstHead).toEqual({ ok: true, count: entries.length, head });
      }),
      RUNS,
    );
  });

  it('property: altering any field of any entry is caught at that entry', () => {
    fc.assert(
      fc.property(eventsArb(), fc.nat(), tamperArb, (events, pick, field) => {
        // Prepare
        const entries = chainOf(events);
        const index = pick % entries.length;
        const tampered = entries.map((e, i) =>
          i === index ? (TAMPERS[field] as (e: TrailEntry) => TrailEntry)(e) : e,
        );

        // Act
        const result = verifyChain(tampered, headOf(entries));

        // Assess
        expect(result).toMatchObject({ ok: false, count: entries.length, brokenAt: index + 1 });
      }),
      RUNS,
    );
  });

  it('property: an altered entry whose own hash was recomputed is caught at the next link', () => {
    fc.assert(
      fc.property(eventsArb(2), fc.nat(), tamperArb, (events, pick, field) => {
        // Prepare — the forger rehashes the entry but cannot touch the entry after it
        fc.pre(field !== 'seq' && field !== 'prevHash' && field !== 'hash');
        const entries = chainOf(events);
        const index = pick % (entries.length - 1);
        const tampered = entries.map((e, i) =>
          i === index ? rehash((TAMPERS[field] as (e: TrailEntry) => TrailEntry)(e)) : e,
        );

        // Act
        const result = verifyChain(tampered, headOf(entries));

        // Assess
        expect(result).toMatchObject({ ok: false, brokenAt: index + 2 });
      }),
      RUNS,
    );
  });

  it('property: a chain forged from an altered entry onwards is still caught by the recorded head', () => {
    fc.assert(
      fc.property(eventsArb(), fc.nat(), (events, pick) => {
        // Prepare — re-append every event after altering one, so every link is self-consistent
        const entries = chainOf(events);
        const index = pick % events.length;
        const forged = chainOf(
          events.map((e, i) => (i === index ? { ...e, detail: { forged: canonicalJson(e.detail) } } : e)),
        );

        // Act
        const plain = verifyChain(forged);
        const againstHead = verifyChain(forged, headOf(entries));

        // Assess
        expect(plain.ok).toBe(true);
        expect(againstHead.ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('names the rewritten last entry when its hash no longer matches the recorded head', () => {
    // Prepare — the forger rewrites and rehashes the newest entry; only the head still remembers it
    const entries = chainOf([sampleEvent, { ...sampleEvent, action: 'gate.opened' }, sampleEvent]);
    const head = headOf(entries);
    const forged = [
      ...entries.slice(0, 2),
      appendTo(entries[1], { ...sampleEvent, detail: { outcome: 'kill' } }),
    ];

    // Act
    const result = verifyChain(forged, head);

    // Assess — entry 3 is the broken one; there is no entry 4
    expect(result).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('property: removing any entry is caught at the missing seq', () => {
    fc.assert(
      fc.property(eventsArb(), fc.nat(), (events, pick) => {
        // Prepare
        const entries = chainOf(events);
        const index = pick % entries.length;
        const withGap = entries.filter((_, i) => i !== index);

        // Act
        const result = verifyChain(withGap, headOf(entries));

        // Assess
        expect(result).toMatchObject({ ok: false, count: entries.length - 1, brokenAt: index + 1 });
        if (index < entries.length - 1)
          expect(verifyChain(withGap)).toMatchObject({ ok: false, brokenAt: index + 1 });
      }),
      RUNS,
    );
  });

  it('property: swapping two entries is caught at the earlier position', () => {
    fc.assert(
      fc.property(eventsArb(2), fc.nat(), fc.nat(), (events, a, b) => {
        // Prepare
        const entries = chainOf(events);
        const i = a % entries.length;
        const j = b % entries.length;
        fc.pre(i !== j);
        const [lo, hi] = i < j ? [i, j] : [j, i];
        const swapped = [...entries];
        swapped[lo] = entries[hi] as TrailEntry;
        swapped[hi] = entries[lo] as TrailEntry;

        // Act
        const result = verifyChain(swapped, headOf(entries));

        // Assess
        expect(result).toMatchObject({ ok: false, brokenAt: lo + 1 });
      }),
      RUNS,
    );
  });

  it('property: a truncated tail is caught against the recorded head, at the first missing seq', () => {
    fc.assert(
      fc.property(eventsArb(), fc.nat(), (events, pick) => {
        // Prepare
        const entries = chainOf(events);
        const kept = pick % entries.length;
        const truncated = entries.slice(0, kept);

        // Act
        const againstHead = verifyChain(truncated, headOf(entries));
        const withoutHead = verifyChain(truncated);

        // Assess — without the head a clean truncation is indistinguishable from a shorter chain
        expect(againstHead).toMatchObject({ ok: false, count: kept, brokenAt: kept + 1 });
        expect(withoutHead).toEqual({ ok: true, count: kept, head: headOf(truncated) });
      }),
      RUNS,
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    // Prepare
    const value = { b: { d: 1, c: [3, 1] }, a: [{ z: true, y: null }] };

    // Act
    const json = canonicalJson(value);

    // Assess
    expect(json).toBe('{"a":[{"y":null,"z":true}],"b":{"c":[3,1],"d":1}}');
  });

  it('skips undefined properties, as JSON does', () => {
    // Prepare
    const withUndefined = { a: 1, b: undefined, c: { d: undefined } };

    // Act
    const json = canonicalJson(withUndefined);

    // Assess
    expect(json).toBe('{"a":1,"c":{}}');
    expect(canonicalJson({ a: 1, c: {} })).toBe(json);
  });

  it('escapes keys and strings like JSON.stringify', () => {
    // Prepare
    const value = { 'a"b': 'line\nbreak', '\u2028': '\u0000' };

    // Act
    const json = canonicalJson(value);

    // Assess
    expect(JSON.parse(json)).toEqual(value);
  });

  it('property: independent of key order at every level', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // Prepare
        const reversed = reverseKeys(value);

        // Act
        const a = canonicalJson(value);
        const b = canonicalJson(reversed);

        // Assess
        expect(b).toBe(a);
      }),
      { numRuns: 300 },
    );
  });

  it('property: parses back to the same JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // Prepare — JSON.parse(JSON.stringify()) is the reference (it also maps -0 to 0)
        const reference = JSON.parse(JSON.stringify(value));

        // Act
        const json = canonicalJson(value);

        // Assess
        expect(JSON.parse(json)).toEqual(reference);
      }),
      { numRuns: 300 },
    );
  });
});

describe('verifyChain — against a head that is older than the chain', () => {
  it('names the first entry written behind the head', () => {
    // Prepare
    const entries = chainOf([sampleEvent, sampleEvent, sampleEvent]);
    const staleHead = headOf(entries.slice(0, 2));

    // Act
    const result = verifyChain(entries, staleHead);

    // Assess
    expect(result).toMatchObject({ ok: false, brokenAt: 3 });
  });
});

describe('CHAINS', () => {
  it('names one chain per project and per definition, and one each for intake, access and people', () => {
    // Prepare
    const projectId = 'p-1';

    // Act
    const names = [
      CHAINS.project(projectId),
      CHAINS.definition('standard'),
      CHAINS.intake,
      CHAINS.access,
      CHAINS.people,
    ];

    // Assess
    expect(names).toEqual(['project/p-1', 'definition/standard', 'intake', 'access', 'people']);
    expect(new Set(names).size).toBe(names.length);
  });

  it('lets only a trail export onto a sealed project chain', () => {
    // Prepare
    const actions = ['trail.exported', 'gate.decided', 'project.closed'];

    // Act
    const allowed = actions.filter((a) => APPENDABLE_AFTER_SEAL.includes(a));

    // Assess
    expect(allowed).toEqual(['trail.exported']);
  });
});

describe('appendAll', () => {
  it('appends nothing for no events', () => {
    // Prepare
    const head: ChainHead = { seq: 3, hash: 'c'.repeat(64) };

    // Act
    const entries = [appendAll(undefined, []), appendAll(head, [])];

    // Assess
    expect(entries).toEqual([[], []]);
  });

  it('links several events in order, continuing from the head', () => {
    // Prepare
    const head: ChainHead = { seq: 7, hash: 'c'.repeat(64) };
    const events = [sampleEvent, { ...sampleEvent, action: 'gate.opened' }];

    // Act
    const entries = appendAll(head, events);

    // Assess
    expect(entries.map((e) => [e.seq, e.action])).toEqual([
      [8, 'gate.decided'],
      [9, 'gate.opened'],
    ]);
    expect(entries[0]?.prevHash).toBe(head.hash);
    expect(entries[1]?.prevHash).toBe(entries[0]?.hash);
  });

  it('property: the same entries as appending one by one, and in one batch or two alike', () => {
    fc.assert(
      fc.property(eventsArb(0), eventsArb(0), (first, second) => {
        // Prepare
        const oneByOne = chainOf([...first, ...second]);

        // Act
        const batch = appendAll(undefined, [...first, ...second]);
        const firstBatch = appendAll(undefined, first);
        const secondBatch = appendAll(headOf(firstBatch), second);

        // Assess
        expect(batch).toEqual(oneByOne);
        expect([...firstBatch, ...secondBatch]).toEqual(oneByOne);
        expect(verifyChain(batch, headOf(batch))).toEqual({
          ok: true,
          count: batch.length,
          head: headOf(batch),
        });
      }),
      RUNS,
    );
  });
});

describe('verifyChain — named chains', () => {
  const projectEvent = (projectId: string, action: string): TrailEvent => ({
    ...sampleEvent,
    chain: CHAINS.project(projectId),
    subject: { projectId },
    action,
  });

  it('verifies two chains written side by side, each on its own', () => {
    // Prepare
    const a = appendAll(undefined, [
      projectEvent('p-a', 'project.submitted'),
      projectEvent('p-a', 'gate.opened'),
    ]);
    const b = appendAll(undefined, [projectEvent('p-b', 'project.submitted')]);
    const intake = appendAll(undefined, [
      { ...sampleEvent, chain: CHAINS.intake, subject: {}, action: 'proposal.refused' },
    ]);

    // Act
    const results = [a, b, intake].map((entries) => verifyChain(entries, headOf(entries)));

    // Assess
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(a[1]?.seq).toBe(2);
    expect(b[0]?.seq).toBe(1);
  });

  it("names the first link of another chain's entry mixed into a chain", () => {
    // Prepare
    const a = appendAll(undefined, [
      projectEvent('p-a', 'project.submitted'),
      projectEvent('p-a', 'gate.opened'),
      projectEvent('p-a', 'gate.decided'),
    ]);
    const b = appendAll(undefined, [
      projectEvent('p-b', 'project.submitted'),
      projectEvent('p-b', 'gate.opened'),
    ]);
    const mixed = [a[0], b[1], a[2]] as TrailEntry[];

    // Act
    const result = verifyChain(mixed, headOf(a));

    // Assess
    expect(result).toMatchObject({ ok: false, brokenAt: 2, reason: 'does not point at the entry before it' });
  });

  it('catches an entry moved to another chain and rehashed, at the link after it', () => {
    // Prepare
    const a = appendAll(undefined, [
      projectEvent('p-a', 'project.submitted'),
      projectEvent('p-a', 'gate.opened'),
    ]);
    const moved = [rehash({ ...(a[0] as TrailEntry), chain: CHAINS.project('p-b') }), a[1] as TrailEntry];

    // Act
    const result = verifyChain(moved, headOf(a));

    // Assess
    expect(result).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('says which link is missing, and that content does not match its hash', () => {
    // Prepare
    const entries = chainOf([sampleEvent, sampleEvent, sampleEvent]);
    const gap = [entries[0], entries[2]] as TrailEntry[];
    const edited = [
      entries[0],
      { ...(entries[1] as TrailEntry), action: 'gate.forged' },
      entries[2],
    ] as TrailEntry[];

    // Act
    const results = [verifyChain(gap), verifyChain(edited)];

    // Assess
    expect(results).toEqual([
      { ok: false, count: 2, brokenAt: 2, reason: 'entry 2 is missing' },
      { ok: false, count: 3, brokenAt: 2, reason: 'content does not match its hash' },
    ]);
  });
});

describe('canonicalJson keeps its output (entry hashes depend on it)', () => {
  /** The plain definition it was first written as: sorted entries, mapped and joined. */
  function reference(value: unknown): string {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }

  it('property: the same text as the reference for any value, holes and undefined included', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withSparseArray: true, withUndefined: true } as never),
        (value) => {
          expect(canonicalJson(value)).toBe(reference(value));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
