/**
 * Tampering with the trail table behind the application's back — with the DynamoDB SDK, as
 * someone with write access to the table could — and what verification and anchoring make of it.
 *
 * Each case builds its own trail (its own tables in one DynamoDB Local, its own anchor file) through
 * the repository, anchors it, tampers with one project's chain, and shows that verifyTrail names
 * the break (kind, chain, seq, the hashes where the kind has them), and that a later anchorTrail
 * never carries the tampered chain forward into a new anchor.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoRepository, type TableNames } from '../../functions/adapters/dynamodb/repository.ts';
import { keys } from '../../functions/adapters/keys.ts';
import { FileAnchorStore, LocalSigner } from '../../functions/adapters/trail/local.ts';
import { type Anchor, type AnchoredHead, checkAnchorLink } from '../../functions/domain/anchor.ts';
import type { Break, BreakKind } from '../../functions/domain/integrity.ts';
import { verifySignature } from '../../functions/domain/signing.ts';
import {
  appendAll,
  appendTo,
  CHAINS,
  type ChainHead,
  canonicalJson,
  sha256Hex,
  type TrailEntry,
  type TrailEvent,
} from '../../functions/domain/trail.ts';
import { type AnchorPorts, anchorTrail } from '../../functions/usecases/anchoring.ts';
import type { Project } from '../../functions/usecases/model.ts';
import { type Repository, type SignedAnchor, WriteRejectedError } from '../../functions/usecases/ports.ts';
import { verifyTrail } from '../../functions/usecases/verification.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { ensureTables } from '../../infra/local/table.ts';

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
let dir: string;
let signer: LocalSigner;
let worlds = 0;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({});
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  dir = mkdtempSync(join(tmpdir(), 'tollgate-tamper-'));
  signer = new LocalSigner(join(dir, 'signing-key.pem'));
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- a trail of its own ---------------------------------------------------------------------------

const project = (projectId: string, title: string): Project => ({
  projectId,
  title,
  summary: 'For the tamper tests.',
  fields: { estimatedCost: 1000, risk: 'low' },
  requester: { email: 'riley.requester@example.com', name: 'Riley' },
  sponsorEmail: 'sam.sponsor@example.com',
  definition: { id: 'standard', version: 1 },
  status: 'in-stage',
  stage: { gateId: 'scoping', enteredAt: '2030-01-01T10:00:00.000Z' },
  lastSequence: 0,
  submittedAt: '2030-01-01T10:00:00.000Z',
  updatedAt: '2030-01-01T10:00:00.000Z',
  version: 0,
});

const projectEvent = (
  projectId: string,
  action: string,
  detail: Record<string, unknown> = {},
): TrailEvent => ({
  chain: CHAINS.project(projectId),
  subject: { projectId, gateId: 'scoping', sequence: 1 },
  at: new Date().toISOString(),
  actor: { type: 'person', id: 'sam.sponsor@example.com', name: 'Sam Sponsor' },
  action,
  definition: { id: 'standard', version: 1 },
  source: { ip: '192.0.2.10', userAgent: 'Mail' },
  detail,
});

const otherEvent = (chain: string, action: string): TrailEvent => ({
  chain,
  at: new Date().toISOString(),
  actor: { type: 'person', id: 'olive.outsider@example.com' },
  action,
  source: { ip: '192.0.2.11', userAgent: 'curl' },
  detail: { route: 'POST /proposals', status: 403 },
});

interface World {
  tables: TableNames;
  repository: Repository;
  anchors: FileAnchorStore;
  anchorFile: string;
  ports: AnchorPorts;
  /** What anchoring logged as errors. */
  errors: Record<string, unknown>[];
  /** The project whose chain is tampered with: 5 entries, anchored at 5. */
  chain: string;
  projectId: string;
  /** Its entries as written. */
  entries: TrailEntry[];
  /** Its head item as it was when the chain had 3 entries (a backup to restore). */
  headAt3: Record<string, unknown>;
  /** How many chains and entries the trail holds. */
  counts: { chains: number; entries: number };
}

/**
 * Four chains through the repository — project A (5 entries), project B (4), access (3), intake
 * (1) — anchored twice: after the first anchor B and access move on, so the latest anchor is
 * number 2 and holds A at entry 5.
 */
async function world(): Promise<World> {
  const n = ++worlds;
  const tables = { main: `tamper-${n}`, trail: `tamper-${n}-trail` };
  await ensureTables(client, tables);
  const repository = dynamoRepository(client, tables);
  const anchorFile = join(dir, `anchors-${n}.jsonl`);
  const anchors = new FileAnchorStore(anchorFile);
  const errors: Record<string, unknown>[] = [];
  const ports: AnchorPorts = {
    repository,
    anchors,
    signer,
    clock: { now: () => new Date() },
    log: {
      info: () => undefined,
      warn: () => undefined,
      error: (message, fields) => errors.push({ message, ...fields }),
    },
  };

  const a = crypto.randomUUID();
  const b = crypto.randomUUID();
  await repository.createProject(project(a, 'Project A'), [
    projectEvent(a, 'proposal.submitted'),
    projectEvent(a, 'stage.entered'),
  ]);
  await repository.appendTrail([
    projectEvent(a, 'decision.recorded', {
      gateId: 'scoping',
      outcome: 'go',
      approver: 'sam.sponsor@example.com',
    }),
  ]);
  const headAt3 = await rawItem(tables, keys.trailHead(CHAINS.project(a)));
  await repository.appendTrail([
    projectEvent(a, 'gate.decided', { gateId: 'scoping', outcome: 'go' }),
    projectEvent(a, 'stage.entered', { gateId: 'business-case' }),
  ]);
  await repository.createProject(project(b, 'Project B'), [projectEvent(b, 'proposal.submitted')]);
  await repository.appendTrail([projectEvent(b, 'stage.entered'), projectEvent(b, 'gate.opened')]);
  await repository.appendTrail([otherEvent(CHAINS.access, 'request.refused')]);
  await repository.appendTrail([otherEvent(CHAINS.access, 'request.refused')]);
  await repository.appendTrail([otherEvent(CHAINS.intake, 'proposal.refused')]);
  expect(await anchorTrail(ports)).toEqual({ anchored: true, seq: 1, chains: 4, problems: [] });
  await repository.appendTrail([projectEvent(b, 'gate.decided')]);
  await repository.appendTrail([otherEvent(CHAINS.access, 'request.refused')]);
  expect(await anchorTrail(ports)).toEqual({ anchored: true, seq: 2, chains: 4, problems: [] });

  const chain = CHAINS.project(a);
  const entries = await repository.listTrail(chain);
  expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  if (!headAt3) throw new Error('no head item after entry 3');
  return {
    tables,
    repository,
    anchors,
    anchorFile,
    ports,
    errors,
    chain,
    projectId: a,
    entries,
    headAt3,
    counts: { chains: 4, entries: 13 },
  };
}

// ---- tampering, straight on the trail table -----------------------------------------------------

async function rawItem(tables: TableNames, key: { pk: string; sk: string }) {
  const out = await client.send(
    new GetItemCommand({ TableName: tables.trail, Key: marshall(key), ConsistentRead: true }),
  );
  return out.Item ? unmarshall(out.Item) : undefined;
}

async function putRaw(w: World, item: Record<string, unknown>): Promise<void> {
  await client.send(
    new PutItemCommand({ TableName: w.tables.trail, Item: marshall(item, { removeUndefinedValues: true }) }),
  );
}

async function deleteRaw(w: World, key: { pk: string; sk: string }): Promise<void> {
  await client.send(new DeleteItemCommand({ TableName: w.tables.trail, Key: marshall(key) }));
}

/** An entry item as the repository writes it (keys, day index, type), put over whatever is there. */
const putEntry = (w: World, entry: TrailEntry) =>
  putRaw(w, {
    ...keys.trailEntry(w.chain, entry.seq),
    ...keys.trailDay(entry.at, w.chain, entry.seq),
    type: 'trail',
    ...entry,
  });

/** Moves the head item to another entry (the attribute values only; the item stays where it is). */
async function setHead(w: World, head: ChainHead): Promise<void> {
  await client.send(
    new UpdateItemCommand({
      TableName: w.tables.trail,
      Key: marshall(keys.trailHead(w.chain)),
      UpdateExpression: 'SET #seq = :seq, #hash = :hash',
      ExpressionAttributeNames: { '#seq': 'seq', '#hash': 'hash' },
      ExpressionAttributeValues: marshall({ ':seq': head.seq, ':hash': head.hash }),
    }),
  );
}

const entryAt = (w: World, seq: number) => w.entries[seq - 1] as TrailEntry;
const contentHash = (entry: TrailEntry) => {
  const { hash: _hash, ...body } = entry;
  return sha256Hex(canonicalJson(body));
};
const eventOf = ({ seq: _seq, prevHash: _prev, hash: _hash, ...event }: TrailEntry): TrailEvent => event;

/** The latest anchor in the file, checked: its signature holds and it follows the one before it. */
async function anchorFileChecked(w: World): Promise<SignedAnchor[]> {
  const signed = readFileSync(w.anchorFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SignedAnchor);
  const publicKeyPem = await signer.publicKeyPem();
  let previous: Anchor | undefined;
  for (const s of signed) {
    expect(verifySignature(s.anchor, s.signature, publicKeyPem)).toBe(true);
    expect(checkAnchorLink(s.anchor, previous)).toBeUndefined();
    previous = s.anchor;
  }
  return signed;
}

const anchoredHeadOf = (anchor: Anchor | undefined, chain: string): AnchoredHead | undefined =>
  anchor?.heads.find((h) => h.chain === chain);

// ---- the cases -------------------------------------------------------------------------------------

interface Tamper {
  name: string;
  tamper: (w: World) => Promise<void>;
  /** The break verifyTrail names. */
  expected: (w: World) => Omit<Break, 'message'> & { message?: string };
  /** What anchorTrail reports for the chain (undefined: the head it anchored did not change). */
  anchorSees?: BreakKind;
}

const TAMPERS: Tamper[] = [
  {
    name: 'a field of an entry changed (the decision recorded as kill instead of go)',
    tamper: async (w) => {
      await client.send(
        new UpdateItemCommand({
          TableName: w.tables.trail,
          Key: marshall(keys.trailEntry(w.chain, 3)),
          UpdateExpression: 'SET #detail.#outcome = :kill',
          ExpressionAttributeNames: { '#detail': 'detail', '#outcome': 'outcome' },
          ExpressionAttributeValues: marshall({ ':kill': 'kill' }),
        }),
      );
    },
    expected: (w) => ({
      kind: 'content-changed',
      chain: w.chain,
      seq: 3,
      expected: entryAt(w, 3).hash,
      found: contentHash({ ...entryAt(w, 3), detail: { ...entryAt(w, 3).detail, outcome: 'kill' } }),
      message: 'entry 3: its content does not match its hash',
    }),
  },
  {
    name: 'an entry deleted',
    tamper: (w) => deleteRaw(w, keys.trailEntry(w.chain, 3)),
    expected: (w) => ({
      kind: 'entry-missing',
      chain: w.chain,
      seq: 3,
      message: 'entry 3 is missing (the next one is 4)',
    }),
  },
  {
    name: 'two entries reordered (their contents swapped)',
    tamper: async (w) => {
      const second = await rawItem(w.tables, keys.trailEntry(w.chain, 2));
      const third = await rawItem(w.tables, keys.trailEntry(w.chain, 3));
      if (!second || !third) throw new Error('entries 2 and 3 are not there');
      await putRaw(w, { ...third, ...keys.trailEntry(w.chain, 2) });
      await putRaw(w, { ...second, ...keys.trailEntry(w.chain, 3) });
    },
    expected: (w) => ({
      kind: 'out-of-order',
      chain: w.chain,
      seq: 2,
      message: 'entry 2 carries sequence number 3',
    }),
  },
  {
    name: 'an entry inserted in the middle (later ones renumbered and re-hashed, the head moved)',
    tamper: async (w) => {
      const forged = forgedAt3(w);
      const shifted = w.entries.slice(2).map((e) => {
        const moved = { ...e, seq: e.seq + 1 };
        return { ...moved, hash: contentHash(moved) };
      });
      for (const entry of [...shifted].reverse()) await putEntry(w, entry);
      await putEntry(w, forged);
      const last = shifted.at(-1) as TrailEntry;
      await setHead(w, { seq: last.seq, hash: last.hash });
    },
    expected: (w) => ({
      kind: 'link-broken',
      chain: w.chain,
      seq: 4,
      expected: forgedAt3(w).hash,
      found: entryAt(w, 2).hash,
      message: 'entry 4 does not point at entry 3',
    }),
    anchorSees: 'rewritten',
  },
  {
    name: 'the chain rewritten from the middle, every later hash and the head recomputed',
    tamper: async (w) => {
      for (const entry of rewrittenFrom2(w)) await putEntry(w, entry);
      const last = rewrittenFrom2(w).at(-1) as TrailEntry;
      await setHead(w, { seq: last.seq, hash: last.hash });
    },
    expected: (w) => ({
      kind: 'rewritten',
      chain: w.chain,
      seq: 5,
      expected: entryAt(w, 5).hash,
      found: (rewrittenFrom2(w).at(-1) as TrailEntry).hash,
      message: 'entry 5 differs from the anchored one: the chain was rewritten',
    }),
    anchorSees: 'rewritten',
  },
  {
    name: "a whole project's chain deleted (its entries and its head)",
    tamper: async (w) => {
      for (const entry of w.entries) await deleteRaw(w, keys.trailEntry(w.chain, entry.seq));
      await deleteRaw(w, keys.trailHead(w.chain));
    },
    expected: (w) => ({
      kind: 'chain-removed',
      chain: w.chain,
      seq: 5,
      expected: entryAt(w, 5).hash,
      message: 'the chain was anchored at entry 5 and is gone',
    }),
    anchorSees: 'chain-removed',
  },
  {
    name: "a chain's head item deleted (its entries left)",
    tamper: (w) => deleteRaw(w, keys.trailHead(w.chain)),
    expected: (w) => ({
      kind: 'head-mismatch',
      chain: w.chain,
      seq: 5,
      message: 'the chain ends at 5 but its head is gone',
    }),
    anchorSees: 'chain-removed',
  },
  {
    name: 'a head rolled back (an earlier head restored, the later entries deleted)',
    tamper: async (w) => {
      await deleteRaw(w, keys.trailEntry(w.chain, 5));
      await deleteRaw(w, keys.trailEntry(w.chain, 4));
      await putRaw(w, w.headAt3);
    },
    expected: (w) => ({
      kind: 'rolled-back',
      chain: w.chain,
      seq: 5,
      expected: entryAt(w, 5).hash,
      message: 'the chain ends at 3 but was anchored at 5',
    }),
    anchorSees: 'rolled-back',
  },
];

/** A forged entry 3 that fits entry 2 exactly (its own hash and link hold). */
function forgedAt3(w: World): TrailEntry {
  return appendTo(
    { seq: 2, hash: entryAt(w, 2).hash },
    {
      ...eventOf(entryAt(w, 3)),
      detail: { gateId: 'scoping', outcome: 'go', approver: 'forger@example.com' },
    },
  );
}

/** Entries 2–5 with entry 2 changed and every hash after it recomputed: a chain that holds. */
function rewrittenFrom2(w: World): TrailEntry[] {
  const events = w.entries.slice(1).map(eventOf);
  return appendAll(
    { seq: 1, hash: entryAt(w, 1).hash },
    events.map((e, i) => (i === 0 ? { ...e, action: 'stage.skipped' } : e)),
  );
}

describe('the trail untampered', () => {
  it('verifies against its heads and the latest anchor, counting every chain and entry', async () => {
    // Prepare
    const w = await world();

    // Act
    const verification = await verifyTrail(w.ports);

    // Assess
    expect(verification).toEqual({
      ok: true,
      chains: w.counts.chains,
      entries: w.counts.entries,
      anchor: { seq: 2, at: expect.any(String), ok: true },
      checkedAt: expect.any(String),
    });
    const signed = await anchorFileChecked(w);
    expect(signed.map((s) => s.anchor.seq)).toEqual([1, 2]);
    expect(anchoredHeadOf(signed.at(-1)?.anchor, w.chain)).toEqual({
      chain: w.chain,
      seq: 5,
      hash: entryAt(w, 5).hash,
    });
  });

  it('anchors nothing new when nothing moved, and moves a head that grew honestly', async () => {
    // Prepare
    const w = await world();

    // Act
    const idle = await anchorTrail(w.ports);
    await w.repository.appendTrail([projectEvent(w.projectId, 'gate.opened')]);
    const moved = await anchorTrail(w.ports);

    // Assess
    expect(idle).toEqual({ anchored: false, seq: 2, chains: 4, problems: [] });
    expect(moved).toEqual({ anchored: true, seq: 3, chains: 4, problems: [] });
    const latest = (await anchorFileChecked(w)).at(-1)?.anchor;
    expect(anchoredHeadOf(latest, w.chain)?.seq).toBe(6);
    expect(await verifyTrail(w.ports)).toMatchObject({ ok: true, entries: w.counts.entries + 1 });
  });

  it('verifies while the chains are appended to: a chain that moves on while it is read is no break', async () => {
    // Prepare: every chain gets an entry just before its entries are read…
    const w = await world();
    const append = (chain: string) =>
      w.repository.appendTrail([
        chain.startsWith('project/')
          ? projectEvent(chain.slice('project/'.length), 'note.added')
          : otherEvent(chain, 'request.refused'),
      ]);
    // … and one more lands after its entries were read but before its head is: the head is
    // then past the entries read, and verification must read on rather than call it a break.
    const racing: Repository = {
      ...w.repository,
      chainWithHead: async function* (chain: string, afterSeq = 0) {
        if (afterSeq > 0) {
          yield* w.repository.chainWithHead(chain, afterSeq);
          return;
        }
        await append(chain);
        const pages = [];
        for await (const page of w.repository.chainWithHead(chain)) pages.push(page);
        for (const page of pages) yield { entries: page.entries };
        await append(chain);
        const head = await w.repository.getTrailHead(chain);
        yield { entries: [], ...(head ? { head } : {}) };
      },
    };

    // Act
    const verification = await verifyTrail({ ...w.ports, repository: racing });

    // Assess: every entry, those appended meanwhile included, checked and linked
    expect(verification).toMatchObject({ ok: true, chains: w.counts.chains, entries: w.counts.entries + 8 });
    expect(verification.firstBreak).toBeUndefined();
    expect(await verifyTrail(w.ports)).toMatchObject({ ok: true, entries: w.counts.entries + 8 });
  });
});

describe('tampering with the trail table directly', () => {
  for (const t of TAMPERS) {
    it(`${t.name}: verification names it`, async () => {
      // Prepare
      const w = await world();

      // Act
      await t.tamper(w);
      const verification = await verifyTrail(w.ports);

      // Assess
      expect(verification.ok).toBe(false);
      expect(verification.anchor).toEqual({ seq: 2, at: expect.any(String), ok: true });
      expect(verification.firstBreak).toEqual({ message: expect.any(String), ...t.expected(w) });
      // Only that chain is named: one project's verification finds the same break, the other's none.
      expect((await verifyTrail(w.ports, { chains: [w.chain] })).firstBreak).toEqual(verification.firstBreak);
      expect(await verifyTrail(w.ports, { chains: [CHAINS.access, CHAINS.intake] })).toMatchObject({
        ok: true,
      });
    });

    it(`${t.name}: anchoring never carries it into a new anchor`, async () => {
      // Prepare: another chain moves on, so an anchor is due whatever happened to this one
      const w = await world();
      const before = (await anchorFileChecked(w)).at(-1)?.anchor as Anchor;
      await t.tamper(w);
      await w.repository.appendTrail([otherEvent(CHAINS.access, 'request.refused')]);

      // Act
      const report = await anchorTrail(w.ports);

      // Assess
      const problems = t.anchorSees ? [{ chain: w.chain, kind: t.anchorSees, anchoredSeq: 5 }] : [];
      expect(report).toEqual({ anchored: true, seq: 3, chains: 4, problems });
      expect(w.errors).toEqual(
        problems.map((p) => ({ message: 'trail integrity: a chain no longer matches its anchor', ...p })),
      );
      const signed = await anchorFileChecked(w);
      expect(signed.map((s) => s.anchor.seq)).toEqual([1, 2, 3]);
      const latest = signed.at(-1)?.anchor as Anchor;
      expect(anchoredHeadOf(latest, w.chain)).toEqual(anchoredHeadOf(before, w.chain));
      expect(anchoredHeadOf(latest, CHAINS.access)?.seq).toBe(4);
      // Verification against the new anchor still names the same break.
      const verification = await verifyTrail(w.ports);
      expect(verification.anchor).toMatchObject({ seq: 3, ok: true });
      expect(verification.firstBreak).toEqual({ message: expect.any(String), ...t.expected(w) });
    });
  }

  for (const t of TAMPERS.filter((t) => t.anchorSees && t.anchorSees !== 'chain-removed')) {
    it(`${t.name}, then the chain grows past its anchored place: anchoring still holds it at 5`, async () => {
      // Prepare
      const w = await world();
      await t.tamper(w);
      const head = await w.repository.getTrailHead(w.chain);
      // Honest appends on top of the tampered chain (the application sees nothing wrong with its head).
      for (let i = (head?.seq ?? 0) + 1; i <= 7; i++)
        await w.repository.appendTrail([projectEvent(w.projectId, 'note.added', { i })]);

      // Act
      const report = await anchorTrail(w.ports);
      const again = await anchorTrail(w.ports);

      // Assess
      expect((await w.repository.getTrailHead(w.chain))?.seq).toBe(7);
      expect(report.problems).toEqual([{ chain: w.chain, kind: 'rewritten', anchoredSeq: 5 }]);
      expect(again).toMatchObject({ anchored: false, problems: report.problems });
      const latest = (await anchorFileChecked(w)).at(-1)?.anchor;
      expect(anchoredHeadOf(latest, w.chain)).toEqual({ chain: w.chain, seq: 5, hash: entryAt(w, 5).hash });
      const verification = await verifyTrail(w.ports);
      expect(verification.ok).toBe(false);
      expect(verification.firstBreak?.chain).toBe(w.chain);
    });
  }
});

describe('a sealed chain', () => {
  it('refuses appends but takes trail.exported, and still verifies and anchors', async () => {
    // Prepare
    const w = await world();
    const id = crypto.randomUUID();
    const chain = CHAINS.project(id);
    await w.repository.createProject(project(id, 'Closed project'), [projectEvent(id, 'proposal.submitted')]);
    await w.repository.sealChain(projectEvent(id, 'trail.sealed'));

    // Act
    const note = await w.repository.appendTrail([projectEvent(id, 'note.added')]).catch((e: unknown) => e);
    const mixed = await w.repository
      .appendTrail([projectEvent(id, 'trail.exported'), projectEvent(id, 'note.added')])
      .catch((e: unknown) => e);
    const change = await w.repository
      .changeProject({
        projectId: id,
        expectedVersion: 0,
        set: { status: 'on-hold' },
        events: [projectEvent(id, 'project.on-hold')],
      })
      .catch((e: unknown) => e);
    await w.repository.appendTrail([projectEvent(id, 'trail.exported', { exportId: 'e-1' })]);
    await w.repository.appendTrail([projectEvent(id, 'trail.exported', { exportId: 'e-2' })]);

    // Assess
    expect(note).toEqual(new WriteRejectedError(['chain-sealed']));
    expect(mixed).toEqual(new WriteRejectedError(['chain-sealed']));
    expect(change).toEqual(new WriteRejectedError(['chain-sealed']));
    expect((await w.repository.listTrail(chain)).map((e) => e.action)).toEqual([
      'proposal.submitted',
      'trail.sealed',
      'trail.exported',
      'trail.exported',
    ]);
    expect(await w.repository.getTrailHead(chain)).toMatchObject({ seq: 4, sealed: true });
    expect(await anchorTrail(w.ports)).toEqual({ anchored: true, seq: 3, chains: 5, problems: [] });
    expect(await verifyTrail(w.ports)).toMatchObject({
      ok: true,
      chains: 5,
      entries: w.counts.entries + 4,
      anchor: { seq: 3, ok: true },
    });
  });
});

describe('breaking a seal', () => {
  /** A sealed project chain: proposal, seal, one export. */
  async function sealed() {
    const w = await world();
    const id = crypto.randomUUID();
    const chain = CHAINS.project(id);
    await w.repository.createProject(project(id, 'Sealed project'), [projectEvent(id, 'proposal.submitted')]);
    await w.repository.sealChain(projectEvent(id, 'trail.sealed'));
    await w.repository.appendTrail([projectEvent(id, 'trail.exported', { exportId: 'e-1' })]);
    return { w, id, chain };
  }

  it("names an entry appended after the seal behind the repository's back, hashes and head recomputed", async () => {
    // Prepare
    const { w, id, chain } = await sealed();
    const entries = await w.repository.listTrail(chain);
    const last = entries[entries.length - 1] as TrailEntry;
    const [forged] = appendAll({ seq: last.seq, hash: last.hash }, [projectEvent(id, 'project.on-hold')]);
    if (!forged) throw new Error('no forged entry');

    // Act: a valid link, a valid hash, and a head moved to it — only the seal tells
    await putRaw(w, {
      ...keys.trailEntry(chain, forged.seq),
      ...keys.trailDay(forged.at, chain, forged.seq),
      type: 'trail',
      ...forged,
    });
    await client.send(
      new UpdateItemCommand({
        TableName: w.tables.trail,
        Key: marshall(keys.trailHead(chain)),
        UpdateExpression: 'SET #seq = :seq, #hash = :hash',
        ExpressionAttributeNames: { '#seq': 'seq', '#hash': 'hash' },
        ExpressionAttributeValues: marshall({ ':seq': forged.seq, ':hash': forged.hash }),
      }),
    );
    const result = await verifyTrail(w.ports, { chains: [chain] });

    // Assess
    expect(result.ok).toBe(false);
    expect(result.firstBreak).toMatchObject({ kind: 'seal-broken', chain, seq: forged.seq });
  });

  it('names a head whose seal was lifted', async () => {
    // Prepare
    const { w, chain } = await sealed();

    // Act
    await client.send(
      new UpdateItemCommand({
        TableName: w.tables.trail,
        Key: marshall(keys.trailHead(chain)),
        UpdateExpression: 'REMOVE sealed',
      }),
    );
    const result = await verifyTrail(w.ports, { chains: [chain] });

    // Assess
    expect(result.ok).toBe(false);
    expect(result.firstBreak).toMatchObject({ kind: 'seal-broken', chain, seq: 2 });
  });
});
