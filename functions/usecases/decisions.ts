import { RESUME_GRACE_MS } from '../domain/agenda.ts';
import { type Condition, type Decision, parseDecision } from '../domain/decision.ts';
import type { ProcessDefinition } from '../domain/definition.ts';
import { ConflictError, GoneError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { gatePackageHash, signatureMeaning } from '../domain/gate-package.ts';
import { recycleTarget, skippedGates } from '../domain/lifecycle.ts';
import { hashLinkSecret, looksLikeLinkSecret } from '../domain/links.ts';
import { isApproval, type Outcome } from '../domain/outcomes.ts';
import { gateScore } from '../domain/scoring.ts';
import { checkESignature, type ESignature, type SignatureProof } from './esignature.ts';
import { refuseUnknownLink } from './guessing.ts';
import type {
  ApprovalLink,
  ApprovalRequest,
  GateInstance,
  Project,
  RequestSource,
  VoteRecord,
} from './model.ts';
import { type IdentityVerifier, type Ports, WriteRejectedError } from './ports.ts';
import { nudgeWorkflow, resumeWorkflow } from './resume.ts';
import { nextLook, tallyVotes } from './scheduling.ts';
import {
  gateProject,
  loadProjectAndDefinition,
  nowIso,
  openedDefinition,
  plusMs,
  projectEvent,
  today,
} from './shared.ts';

export interface DecisionView {
  approver: string;
  /** The approver's printed name, from the directory. */
  approverName: string;
  link: ApprovalLink;
  gate: GateInstance;
  project: Project;
  /**
   * The version the gate was opened with: what its Recycle choices and their resolution follow
   * (the project's, unless it was migrated since; ADR 0016).
   */
  definition: ProcessDefinition;
  /** Everyone asked on this instance and where their request stands. */
  requests: ApprovalRequest[];
}

/** Why a link no longer works, in words an approver understands. */
export class LinkGoneError extends GoneError {
  override readonly name = 'LinkGoneError';
}

/** The stored gate package no longer matches its hash: nothing may be signed against it. */
export class PackageIntegrityError extends ConflictError {
  override readonly name = 'PackageIntegrityError';
  constructor() {
    super(
      'this gate cannot be signed: its record failed an integrity check. Nothing was recorded; the PMO has been alerted and will send a new link',
    );
  }
}

/** The gate package changed since the page was shown; the caller shows the new one. */
export class PackageChangedError extends ConflictError {
  override readonly name = 'PackageChangedError';
  constructor(readonly view: DecisionView) {
    super(
      'what you were shown has changed since you opened the page; review the new version and decide again',
    );
  }
}

/**
 * GET /a/{secret}: finds what the link is for, and reads only. Mail scanners fetch every
 * link, so nothing here may change state.
 */
export async function viewDecision(
  ports: Pick<Ports, 'repository' | 'clock' | 'log'>,
  secret: string,
  /** Where the request came from: failed look-ups count against it (usecases/guessing.ts). */
  source?: RequestSource,
): Promise<DecisionView> {
  const link = looksLikeLinkSecret(secret)
    ? await ports.repository.getLink(hashLinkSecret(secret))
    : undefined;
  if (!link) {
    if (source) await refuseUnknownLink(ports, source);
    throw new NotFoundError('this approval link is not known');
  }
  if (link.superseded) throw new LinkGoneError(SUPERSEDED[link.superseded.by]);
  if (link.usedAt) throw new LinkGoneError('this approval link has already been used');
  if (link.expiresAt <= nowIso(ports)) throw new LinkGoneError('this approval link has expired');
  const [{ gate, requests, mine }, { project, definition }] = await Promise.all([
    openGateFor(ports, link),
    loadProjectAndDefinition(ports, link.projectId),
  ]);
  return {
    approver: link.approver,
    approverName: mine.name,
    link,
    gate,
    project,
    definition: await openedDefinition(ports, gate, definition),
    requests,
  };
}

/**
 * The link's gate instance, still open and intact, and the link's request, still pending on
 * this link. What a concurrent vote can change: a decision that lost a race reads only this again.
 */
async function openGateFor(
  ports: Pick<Ports, 'repository' | 'log'>,
  link: ApprovalLink,
): Promise<{ gate: GateInstance; requests: ApprovalRequest[]; mine: ApprovalRequest }> {
  const [gate, requests] = await Promise.all([
    ports.repository.getGate(link.projectId, link.sequence),
    ports.repository.listRequests(link.projectId, link.sequence),
  ]);
  if (!gate) throw new NotFoundError('this approval link is not known');
  const ended = gateEnded(gate);
  if (ended) throw ended;
  // What you see is what you sign: the package is hashed again on every view and decision, so
  // an edited item is caught here, not trusted because a stored hash still matches itself.
  if (gatePackageHash(gate.package) !== gate.packageHash) {
    ports.log.error('gate package integrity check failed', {
      projectId: gate.projectId,
      sequence: gate.sequence,
      stored: gate.packageHash,
    });
    throw new PackageIntegrityError();
  }
  const mine = requests.find((r) => r.approver === link.approver);
  // Closed with its gate (decided, or closed by a PMO admin) after the gate was read above: the
  // answer is why the gate ended, read again, never "replaced" (nobody replaced this link).
  if (mine?.status === 'closed') {
    const current = await ports.repository.getGate(link.projectId, link.sequence);
    throw (current && gateEnded(current)) ?? new LinkGoneError('this gate has already been decided');
  }
  // The link was read just before a concurrent post of it committed: it is used, not replaced.
  if (mine?.status === 'decided' && mine.linkHash === link.hash)
    throw new LinkGoneError('this approval link has already been used');
  if (mine?.status !== 'pending' || mine.linkHash !== link.hash)
    throw new LinkGoneError('this approval link was replaced by a newer one or handed to someone else');
  return { gate, requests, mine };
}

/** Why the link of an instance that is no longer open stops working; undefined while it is open. */
function gateEnded(gate: GateInstance): LinkGoneError | undefined {
  if (gate.status === 'closed')
    return new LinkGoneError('a PMO admin closed this review; nothing more is decided on it');
  if (gate.status !== 'open') return new LinkGoneError('this gate has already been decided');
  return undefined;
}

export interface DecisionReceipt {
  projectTitle: string;
  gateName: string;
  approver: string;
  approverName: string;
  outcome: Outcome;
  kind: GateInstance['kind'];
  recordedAt: string;
  /** The gate's result if this decision settled it; absent while others still have to decide. */
  gateOutcome?: Outcome;
  weightedScore?: number;
  packageHash: string;
  /** The signature manifestation, as the trail records it. */
  signature: SignatureManifestation;
  /** Set after a signing with both components: the session cookie to hand the browser. */
  newSigningSession?: { secret: string; expiresAt: string };
}

/**
 * What a signature shows (21 CFR Part 11 §11.50): printed name (from the directory), UTC time,
 * meaning, and for an e-signature how the signer was identified. `packageHash` binds it to the
 * exact record signed, so it cannot be carried over to another.
 */
export interface SignatureManifestation {
  name: string;
  at: string;
  meaning: string;
  packageHash: string;
  /** `link`: the approval link alone; else the e-signature's components. */
  method: 'link' | ESignature['method'];
  /** The verified identity behind an e-signature. */
  identity?: string;
}

function manifestation(
  view: DecisionView,
  decision: Decision,
  at: string,
  esignature: ESignature | undefined,
): SignatureManifestation {
  return {
    name: view.approverName,
    at,
    meaning: signatureMeaning(view.gate.package, decision.outcome),
    packageHash: decision.packageHash,
    method: esignature?.method ?? 'link',
    ...(esignature ? { identity: esignature.identity } : {}),
  };
}

/** Where no identity provider is wired, e-signature gates refuse rather than sign by link. */
const NO_IDENTITY: IdentityVerifier = { verify: async () => ({ ok: false, refused: 'not-enrolled' }) };

const SUPERSEDED = {
  reminder: 'this link was replaced by a newer one: use the link in the latest e-mail about this gate',
  delegation: 'this decision was handed to someone else',
  reassignment: 'a PMO admin handed this decision to someone else',
} as const;

/**
 * Retries when the gate moved between our read and our write (a hand-over, say), on top of one
 * per other approver: each of their votes moves the gate once at most, so on a gate whose
 * approvers all post at once every vote still lands.
 */
const VOTE_ATTEMPTS = 5;

/**
 * POST /a/{secret}: records one approver's decision in one transaction (vote, link spent,
 * gate moved, trail entry). Only the request whose write wins goes on to resume the workflow.
 */
export async function decide(
  ports: Pick<Ports, 'repository' | 'workflow' | 'clock' | 'log'> & { identity?: IdentityVerifier },
  args: { secret: string; body: unknown; source: RequestSource; signature?: SignatureProof },
): Promise<DecisionReceipt> {
  let view = await viewDecision(ports, args.secret, args.source);
  const parsed = parseDecision(args.body, {
    definition: asOpened(view.definition, view.gate),
    gateId: view.gate.gateId,
    today: today(ports),
    skipped: skippedGates(view.definition, view.project.fields),
  });
  if (!parsed.ok) throw new InvalidInputError('the decision has problems', parsed.problems);
  const decision = parsed.value;
  if (decision.packageHash !== view.gate.packageHash) throw new PackageChangedError(view);
  // A gate that asks for an e-signature is never signed by the link alone (§11.200).
  const esignature = view.gate.package.gate.esignature
    ? await checkESignature(
        { ...ports, identity: ports.identity ?? NO_IDENTITY },
        view,
        args.signature ?? {},
        args.source,
      )
    : undefined;

  for (let attempt = 1; ; attempt++) {
    const { gate, link, definition } = view;
    if (decision.packageHash !== gate.packageHash) throw new PackageChangedError(view);
    const now = nowIso(ports);
    const vote: VoteRecord = {
      projectId: gate.projectId,
      sequence: gate.sequence,
      approver: link.approver,
      decision,
      at: now,
      source: args.source,
      signature: manifestation(view, decision, now, esignature),
    };
    const votes = [...(await ports.repository.listVotes(gate.projectId, gate.sequence)), vote];
    const state = tallyVotes(gate, votes);
    const gateUpdate =
      state.status === 'decided' ? decidedGate(definition, gate, state.outcome, votes, now) : {};
    const requests = view.requests.map((r) =>
      r.approver === vote.approver ? { ...r, status: 'decided' as const } : r,
    );
    const agendaAt =
      state.status === 'decided'
        ? plusMs(now, RESUME_GRACE_MS)
        : // The workflow mails the next approver of a chain once nudged (below).
          nextLook(gate, requests, votes, now);
    const actor = { type: 'person' as const, id: vote.approver, name: view.approverName };
    const events = [
      // Stamped with the version the approver signed under, not one the project moved to since.
      projectEvent(gateProject(gate), 'decision.recorded', {
        at: now,
        actor,
        gate,
        source: args.source,
        packageHash: decision.packageHash,
        detail: {
          ...decisionDetail(decision),
          // The signature manifestation: printed name (from the directory), UTC time, meaning.
          signature: vote.signature,
        },
      }),
      ...(state.status === 'decided'
        ? [
            projectEvent(gateProject(gate), 'gate.decided', {
              at: now,
              actor,
              gate,
              packageHash: gate.packageHash,
              detail: { ...gateUpdate, votes: votes.length },
            }),
          ]
        : []),
    ];
    try {
      await ports.repository.recordVote({ vote, linkHash: link.hash, gate, gateUpdate, agendaAt, events });
    } catch (error) {
      if (!(error instanceof WriteRejectedError)) throw error;
      if (error.guards.includes('link-unused') || error.guards.includes('first-vote')) {
        throw new LinkGoneError('this approval link has already been used');
      }
      // Someone else moved the gate: look again (it may be decided, changed, or just have one more vote).
      // `busy`: the repository already retried for seconds; answer now, inside the request's time.
      if (attempt >= VOTE_ATTEMPTS + gate.approvers.length || error.guards.includes('busy'))
        throw new ConflictError('the gate is busy; open the page again and decide');
      // Jittered backoff, so approvers voting at once stop colliding. Only the gate and its
      // requests move under a race: the link, project and definition stand.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 15 * attempt));
      const again = await openGateFor(ports, view.link);
      view = { ...view, gate: again.gate, requests: again.requests };
      continue;
    }

    // The decision is committed: what follows must not turn it into an error for the approver.
    // A lost resume is repaired by the sweeper.
    try {
      if (state.status === 'decided') {
        await resumeWorkflow(ports, { ...gate, ...gateUpdate, version: gate.version + 1 });
      } else {
        // e.g. a sequential chain: the next approver is asked only now (by the workflow).
        await nudgeWorkflow(ports, { ...gate, version: gate.version + 1 });
      }
    } catch (error) {
      ports.log.error('decision recorded but the follow-up failed', {
        projectId: gate.projectId,
        sequence: gate.sequence,
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
    return {
      signature: manifestation(view, decision, now, esignature),
      ...(esignature?.newSession ? { newSigningSession: esignature.newSession } : {}),
      projectTitle: gate.package.project.title,
      gateName: gate.package.gate.name,
      approver: vote.approver,
      approverName: view.approverName,
      outcome: decision.outcome,
      kind: gate.kind,
      recordedAt: now,
      packageHash: decision.packageHash,
      ...(decision.weightedScore === undefined ? {} : { weightedScore: decision.weightedScore }),
      ...(state.status === 'decided' ? { gateOutcome: state.outcome } : {}),
    };
  }
}

/**
 * The definition a decision is judged by: the version the gate was opened with, with the decided
 * gate's criteria (and a close-out's checklist) as its package carries them. A migration to a
 * later version never changes what an open gate asks (usecases/migration.ts).
 */
function asOpened(definition: ProcessDefinition, gate: GateInstance): ProcessDefinition {
  const { gate: asked, closeOut } = gate.package;
  return {
    ...definition,
    gates: definition.gates.map((g) => (g.id === asked.id ? { ...g, criteria: asked.criteria } : g)),
    ...(closeOut ? { closeOut: { ...definition.closeOut, checklist: closeOut.checklist } } : {}),
  };
}

/** What a gate records when its votes settle it: outcome, recycle target, score, conditions. */
function decidedGate(
  definition: ProcessDefinition,
  gate: GateInstance,
  outcome: Outcome,
  votes: readonly VoteRecord[],
  at: string,
): Parameters<Ports['repository']['recordVote']>[0]['gateUpdate'] {
  const decisions = votes.map((v) => v.decision);
  const recycleTo = outcome === 'recycle' ? recycleTarget(definition, decisions) : undefined;
  const score = gateScore(
    gate.package.gate.criteria,
    decisions.map((d) => d.weightedScore),
  );
  return {
    status: 'decided',
    outcome,
    decidedAt: at,
    decidedBy: 'votes',
    ...(recycleTo ? { recycleTo } : {}),
    ...(score ? { score } : {}),
    ...(outcome === 'conditional-go' ? { conditions: conditionsOf(decisions) } : {}),
  };
}

/** The approving votes' conditions, each once. */
function conditionsOf(decisions: readonly Decision[]): Condition[] {
  const seen = new Set<string>();
  return decisions
    .filter((d) => isApproval(d.outcome))
    .flatMap((d) => d.conditions)
    .filter((c) => {
      const key = `${c.text}\u0000${c.due}\u0000${c.owner ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function decisionDetail(decision: Decision): Record<string, unknown> {
  return {
    outcome: decision.outcome,
    comment: decision.comment,
    conditions: decision.conditions,
    recycleTo: decision.recycleTo,
    mustMeet: decision.mustMeet,
    knockouts: decision.knockouts,
    scores: decision.scores,
    weightedScore: decision.weightedScore,
  };
}
