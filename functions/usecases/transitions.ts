import { RESUME_GRACE_MS } from '../domain/agenda.ts';
import { CLOSE_OUT_GATE_ID, findGate, type ProcessDefinition } from '../domain/definition.ts';
import { afterOutcome, type Next, type Transition } from '../domain/lifecycle.ts';
import type { TrailActor, TrailEvent } from '../domain/trail.ts';
import { closeProject } from './close-out.ts';
import type {
  ConditionRecord,
  GateInstance,
  GateRef,
  GateTaskInput,
  Hold,
  PendingStart,
  Project,
} from './model.ts';
import { holdNotice, sendOwedReceipts } from './notify.ts';
import { executionNames, type Ports, type ProjectChange, WriteRejectedError } from './ports.ts';
import { resumeWorkflow } from './resume.ts';
import {
  GateTaskError,
  gateProject,
  loadProjectAndDefinition,
  nowIso,
  plusMs,
  projectEvent,
  SYSTEM,
} from './shared.ts';

/** How long an owed execution may take to begin before the sweeper starts it again. */
export const START_GRACE_MS = 2 * 60_000;
const CHANGE_ATTEMPTS = 5;

/**
 * Someone else moved the project meanwhile (a PMO admin, the sweeper), or a request to close was
 * no longer pending (another follow-up closed it): read it again and retry.
 */
function lookAgain(error: unknown, attempt: number): boolean {
  return (
    error instanceof WriteRejectedError &&
    (error.guards.includes('project-unchanged') || error.guards.includes('request-pending')) &&
    attempt < CHANGE_ATTEMPTS
  );
}

/** What the workflow does next; every field is present, for the state machine's ResultSelector. */
export interface RouteResult {
  /** `wait`: the gate is still open (keep waiting); `open-gate`/`close-out`: start that execution. */
  route: 'wait' | 'stage' | 'hold' | 'open-gate' | 'close-out' | 'done';
  gate: GateRef | null;
  executionName: string | null;
}

/** A project change that carries out a transition (and the execution it owes, if any). */
export function planTransition(
  project: Project,
  definition: ProcessDefinition,
  transition: Transition,
  args: { at: string; actor: TrailActor; holdCause?: Hold['cause'] },
): Pick<ProjectChange, 'set' | 'remove' | 'agendaAt' | 'events'> & { pending?: PendingStart } {
  const { at, actor } = args;
  const event = (action: string, detail: Record<string, unknown>) =>
    projectEvent(project, action, { at, actor, detail });
  const events: TrailEvent[] = transition.skipped.map((s) =>
    event('gate.skipped', { gateId: s.gateId, rule: s.rule }),
  );
  const next = transition.next;
  const reserve = (workflow: PendingStart['workflow'], gateId: string) => {
    const sequence = project.lastSequence + 1;
    const pending: PendingStart = {
      workflow,
      input: { projectId: project.projectId, gate: { gateId, sequence } },
      since: at,
    };
    return { sequence, pending };
  };
  switch (next.route) {
    case 'stage':
      events.push(
        event('stage.entered', { gateId: next.gateId, gateName: findGate(definition, next.gateId)?.name }),
      );
      return {
        set: { status: 'in-stage', stage: { gateId: next.gateId, enteredAt: at }, updatedAt: at },
        remove: ['hold', 'pendingStart'],
        agendaAt: null,
        events,
      };
    case 'open-gate': {
      const { sequence, pending } = reserve('gate-review', next.gateId);
      return {
        set: { status: 'in-review', lastSequence: sequence, pendingStart: pending, updatedAt: at },
        remove: ['stage', 'hold'],
        agendaAt: plusMs(at, START_GRACE_MS),
        events,
        pending,
      };
    }
    case 'hold': {
      const hold: Hold = {
        since: at,
        cause: args.holdCause ?? 'decision',
        resumeTo: { route: 'open-gate', gateId: next.gateId },
      };
      events.push(event('project.on-hold', { cause: hold.cause, gateId: next.gateId }));
      return {
        set: { status: 'on-hold', hold, updatedAt: at },
        remove: ['stage', 'pendingStart'],
        agendaAt: null,
        events,
      };
    }
    case 'close-out': {
      const { sequence, pending } = reserve('close-out', CLOSE_OUT_GATE_ID);
      events.push(event('close-out.started', { reason: next.reason }));
      return {
        set: {
          status: 'closing',
          closeReason: next.reason,
          lastSequence: sequence,
          pendingStart: pending,
          updatedAt: at,
        },
        remove: ['stage', 'hold'],
        agendaAt: plusMs(at, START_GRACE_MS),
        events,
        pending,
      };
    }
  }
}

export function routeResult(
  next: Next | undefined,
  start: GateRef | undefined,
  projectId: string,
): RouteResult {
  if (!next) return { route: 'done', gate: null, executionName: null };
  if ((next.route === 'open-gate' || next.route === 'close-out') && start) {
    const input = { projectId, gate: start };
    const name =
      next.route === 'open-gate' ? executionNames.gateReview(input) : executionNames.closeOut(input);
    return { route: next.route, gate: start, executionName: name };
  }
  return {
    route: next.route === 'open-gate' || next.route === 'close-out' ? 'done' : next.route,
    gate: null,
    executionName: null,
  };
}

/**
 * The gate-review step after a wait: reads what DynamoDB recorded for the gate (never the
 * resume payload) and moves the project on — stage, next gate, hold or close-out — once.
 * Idempotent: a gate already followed answers the same route. The sweeper calls it too when
 * the workflow is gone.
 */
export async function applyDecision(
  ports: Pick<Ports, 'repository' | 'mailer' | 'clock' | 'settings' | 'log'>,
  input: GateTaskInput,
): Promise<RouteResult> {
  for (let attempt = 1; ; attempt++) {
    const gate = await ports.repository.getGate(input.projectId, input.gate.sequence);
    if (!gate)
      throw new GateTaskError(`gate instance ${input.gate.sequence} of ${input.projectId} does not exist`);
    // A decision woke this step (deciding the gate, or leaving it open): its receipt goes out
    // first — before a close-out seals the trail — unless the sweeper sent it already.
    if (attempt === 1) await sendOwedReceipts(ports, gate);
    if (gate.status === 'open') return { route: 'wait', gate: null, executionName: null };
    if (gate.kind === 'close-out') {
      await closeProject(ports, gate);
      return { route: 'done', gate: null, executionName: null };
    }
    if (gate.appliedAt) return routeResult(gate.next, gate.nextStart, gate.projectId);
    const [{ project, definition }, requests] = await Promise.all([
      loadProjectAndDefinition(ports, input.projectId),
      // Read after the gate was seen decided: no vote or hand-over lands on it any more, so
      // what is pending now stays pending until closed here.
      ports.repository.listRequests(gate.projectId, gate.sequence),
    ]);
    if (!gate.outcome)
      throw new GateTaskError(`gate instance ${gate.sequence} of ${gate.projectId} has no outcome`);
    const transition = afterOutcome(definition, project.fields, {
      gateId: gate.gateId,
      outcome: gate.outcome,
      recycleTo: gate.recycleTo,
    });
    const at = nowIso(ports);
    const holdCause = gate.decidedBy === 'deadline' ? 'deadline' : 'decision';
    const plan = planTransition(project, definition, transition, { at, actor: SYSTEM.gateReview, holdCause });
    const conditions = newConditions(project, gate, at);
    const followed = projectEvent(project, 'gate.followed', {
      at,
      actor: SYSTEM.gateReview,
      gate,
      detail: {
        outcome: gate.outcome,
        next: transition.next,
        conditions: conditions.map((c) => c.conditionId),
      },
    });
    try {
      await ports.repository.changeProject({
        projectId: project.projectId,
        expectedVersion: project.version,
        set: plan.set,
        ...(plan.remove ? { remove: plan.remove } : {}),
        ...(plan.agendaAt !== undefined ? { agendaAt: plan.agendaAt } : {}),
        applied: {
          sequence: gate.sequence,
          at,
          next: transition.next,
          ...(plan.pending ? { start: plan.pending.input.gate } : {}),
          // Those the votes did not wait for (any, quorum, a knock-out...) leave the approvers'
          // pending index with the follow-up, in its transaction: the follow-up is what takes the
          // gate off the agenda, so nothing would come back for them later. A request that moved
          // meanwhile fails its guard and the whole follow-up is read again (lookAgain). At most 19
          // (20 approvers, one voted) beside at most 34 other items: inside a transaction's 100.
          pendingRequests: requests.filter((r) => r.status === 'pending'),
        },
        createConditions: conditions,
        events: [followed, ...plan.events],
      });
    } catch (error) {
      if (lookAgain(error, attempt)) continue;
      throw error;
    }
    if (transition.next.route === 'hold' && holdCause === 'deadline') {
      await holdNotice(ports, { project, definition, cause: 'deadline', gate });
    }
    return routeResult(transition.next, plan.pending?.input.gate, project.projectId);
  }
}

/** A Conditional Go's conditions, numbered by gate instance; owned by the project's manager unless named. */
function newConditions(project: Project, gate: GateInstance, at: string): ConditionRecord[] {
  if (gate.outcome !== 'conditional-go') return [];
  const owner = (project.manager ?? project.requester).email;
  return (gate.conditions ?? []).map((c, i) => ({
    projectId: project.projectId,
    conditionId: `${gate.sequence}-${i + 1}`,
    sequence: gate.sequence,
    gateId: gate.gateId,
    text: c.text,
    due: c.due,
    owner: c.owner ?? owner,
    state: 'open',
    createdAt: at,
  }));
}

/**
 * The deadline passed with no decision: the definition's deadline outcome is taken as a
 * system decision (a close-out sign-off simply lapses). A decision that landed meanwhile stands.
 */
export async function takeDeadlineOutcome(
  ports: Pick<Ports, 'repository' | 'workflow' | 'clock'>,
  gate: GateInstance,
  actor: TrailActor = SYSTEM.sweeper,
  /** False from the wait's own timeout: the wait that would be resumed is already over. */
  resume = true,
): Promise<GateInstance> {
  const at = nowIso(ports);
  const outcome = gate.kind === 'close-out' ? undefined : (gate.sla.atDeadline ?? 'hold');
  try {
    await ports.repository.expireGate({
      gate,
      update: { ...(outcome ? { outcome } : {}), decidedAt: at },
      agendaAt: plusMs(at, RESUME_GRACE_MS),
      events: [
        projectEvent(gateProject(gate), 'gate.expired', {
          at,
          actor,
          gate,
          detail: { dueAt: gate.dueAt, outcome: outcome ?? 'sign-off not given' },
        }),
      ],
    });
  } catch (error) {
    if (!(error instanceof WriteRejectedError && error.guards.includes('gate-open'))) throw error;
  }
  const current = (await ports.repository.getGate(gate.projectId, gate.sequence)) ?? gate;
  if (resume) await resumeWorkflow(ports, current);
  return current;
}

/** The wait's backstop timeout (the state machine's Catch): the deadline outcome, if the deadline passed. */
export async function expireGate(
  ports: Pick<Ports, 'repository' | 'workflow' | 'clock'>,
  input: GateTaskInput,
): Promise<void> {
  const gate = await ports.repository.getGate(input.projectId, input.gate.sequence);
  if (!gate)
    throw new GateTaskError(`gate instance ${input.gate.sequence} of ${input.projectId} does not exist`);
  // A deadline moved later (or a backstop shorter than the SLA): keep waiting.
  if (gate.status === 'open' && gate.dueAt <= nowIso(ports))
    await takeDeadlineOutcome(ports, gate, SYSTEM.gateReview, false);
}

/** Starts the execution a project is owed (idempotent: executions are named per instance). */
export async function startPending(
  ports: Pick<Ports, 'workflow'>,
  project: Pick<Project, 'pendingStart'>,
): Promise<void> {
  const pending = project.pendingStart;
  if (!pending) return;
  if (pending.workflow === 'gate-review') await ports.workflow.startGateReview(pending.input);
  else await ports.workflow.startCloseOut(pending.input);
}

/** Runs a project change built from a fresh read, again while someone else keeps moving the project. */
export async function changeWithRetry(
  ports: Pick<Ports, 'repository'>,
  projectId: string,
  build: (project: Project) => Promise<ProjectChange> | ProjectChange,
): Promise<Project> {
  for (let attempt = 1; ; attempt++) {
    const project = await ports.repository.getProject(projectId);
    if (!project) throw new GateTaskError(`project ${projectId} does not exist`);
    const change = await build(project);
    try {
      await ports.repository.changeProject(change);
      return project;
    } catch (error) {
      if (lookAgain(error, attempt)) continue;
      throw error;
    }
  }
}
