import { parseDecision } from '../domain/decision.ts';
import type { ProcessDefinition } from '../domain/definition.ts';
import { ConflictError, GoneError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { hashLinkSecret, looksLikeLinkSecret } from '../domain/links.ts';
import type { Outcome } from '../domain/outcomes.ts';
import { recycleTarget, routeAfter } from '../domain/routing.ts';
import { tally } from '../domain/rules.ts';
import { loadProjectAndDefinition, notifyAwaited, resumeWorkflow } from './gates.ts';
import type { ApprovalLink, GateInstance, RequestSource, VoteRecord } from './model.ts';
import { type Ports, WriteRejectedError } from './ports.ts';

export interface DecisionView {
  approver: string;
  link: ApprovalLink;
  gate: GateInstance;
  definition: ProcessDefinition;
}

/** Why a link no longer works, in words an approver understands. */
export class LinkGoneError extends GoneError {
  override readonly name = 'LinkGoneError';
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
 * GET /a/{secret}: finds what the link is for, and reads only. Mail scanners fetch
 * every link, so nothing here may change state.
 */
export async function viewDecision(
  ports: Pick<Ports, 'repository' | 'clock'>,
  secret: string,
): Promise<DecisionView> {
  if (!looksLikeLinkSecret(secret)) throw new NotFoundError('this approval link is not known');
  const link = await ports.repository.getLink(hashLinkSecret(secret));
  if (!link) throw new NotFoundError('this approval link is not known');
  if (link.usedAt) throw new LinkGoneError('this approval link has already been used');
  if (link.expiresAt <= ports.clock.now().toISOString())
    throw new LinkGoneError('this approval link has expired');
  const gate = await ports.repository.getGate(link.projectId, link.sequence);
  if (!gate) throw new NotFoundError('this approval link is not known');
  if (gate.status !== 'open') throw new LinkGoneError('this gate has already been decided');
  const { definition } = await loadProjectAndDefinition(ports, link.projectId);
  return { approver: link.approver, link, gate, definition };
}

export interface DecisionReceipt {
  projectTitle: string;
  gateName: string;
  approver: string;
  outcome: Outcome;
  recordedAt: string;
  /** The gate's result if this decision settled it; absent while others still have to decide. */
  gateOutcome?: Outcome;
  packageHash: string;
}

/** Retries when another approver's vote moved the gate between our read and our write. */
const VOTE_ATTEMPTS = 5;

/**
 * POST /a/{secret}: records one approver's decision in one transaction (vote, link spent,
 * gate moved, trail entry). Only the request whose write wins goes on to resume the workflow.
 */
export async function decide(
  ports: Pick<Ports, 'repository' | 'workflow' | 'mailer' | 'clock' | 'settings' | 'log'>,
  args: { secret: string; body: unknown; source: RequestSource },
): Promise<DecisionReceipt> {
  let view = await viewDecision(ports, args.secret);
  const today = ports.clock.now().toISOString().slice(0, 10);
  const parsed = parseDecision(args.body, { definition: view.definition, gateId: view.gate.gateId, today });
  if (!parsed.ok) throw new InvalidInputError('the decision has problems', parsed.problems);
  const decision = parsed.value;

  for (let attempt = 1; ; attempt++) {
    const { gate, link, definition } = view;
    if (decision.packageHash !== gate.packageHash) throw new PackageChangedError(view);
    const now = ports.clock.now().toISOString();
    const vote: VoteRecord = {
      projectId: gate.projectId,
      sequence: gate.sequence,
      approver: link.approver,
      decision,
      at: now,
      source: args.source,
    };
    const votes = await ports.repository.listVotes(gate.projectId, gate.sequence);
    const state = tally(gate.rule, gate.approvers, [
      ...votes.map((v) => ({ approver: v.approver, outcome: v.decision.outcome })),
      { approver: vote.approver, outcome: decision.outcome },
    ]);
    const recycleTo = recycleTarget(definition, [...votes.map((v) => v.decision), decision]);
    const route =
      state.status === 'decided' ? routeAfter(definition, gate, state.outcome, recycleTo) : undefined;
    try {
      await ports.repository.recordVote({
        vote,
        linkHash: link.hash,
        now,
        gate,
        gateUpdate:
          state.status === 'decided'
            ? { status: 'decided', outcome: state.outcome, route, decidedAt: now }
            : { status: 'open' },
        event: {
          projectId: gate.projectId,
          at: now,
          actor: { type: 'person', id: vote.approver },
          action: 'decision.recorded',
          definition: { id: definition.id, version: definition.version },
          source: args.source,
          packageHash: decision.packageHash,
          detail: {
            gateId: gate.gateId,
            sequence: gate.sequence,
            outcome: decision.outcome,
            comment: decision.comment,
            conditions: decision.conditions,
            scores: decision.scores,
            recycleTo: decision.recycleTo,
            gateOutcome: state.status === 'decided' ? state.outcome : undefined,
            next: route,
          },
        },
      });
    } catch (error) {
      if (!(error instanceof WriteRejectedError)) throw error;
      if (error.guards.includes('link-unused') || error.guards.includes('first-vote')) {
        throw new LinkGoneError('this approval link has already been used');
      }
      // Someone else moved the gate: look again (it may be decided, changed, or just have one more vote).
      if (attempt >= VOTE_ATTEMPTS) throw error;
      view = await viewDecision(ports, args.secret);
      continue;
    }

    const receipt: DecisionReceipt = {
      projectTitle: gate.package.project.title,
      gateName: gate.package.gate.name,
      approver: vote.approver,
      outcome: decision.outcome,
      recordedAt: now,
      packageHash: decision.packageHash,
      ...(state.status === 'decided' ? { gateOutcome: state.outcome } : {}),
    };
    // The decision is committed: what follows must not turn it into an error for the approver.
    // A lost resume is repaired when the wait is redelivered or reaches its deadline.
    try {
      if (state.status === 'decided' && route) {
        await resumeWorkflow(ports, {
          ...gate,
          status: 'decided',
          outcome: state.outcome,
          route,
          decidedAt: now,
        });
      } else {
        // e.g. a sequential chain: the next approver is asked only now.
        await notifyAwaited(ports, { ...gate, version: gate.version + 1 });
      }
    } catch (error) {
      ports.log.error('decision recorded but the follow-up failed', {
        projectId: gate.projectId,
        sequence: gate.sequence,
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
    return receipt;
  }
}
