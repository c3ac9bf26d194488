import {
  type GateDefinition,
  type ProcessDefinition,
  resolveApprovers,
  skipRuleOf,
  type VoteRule,
} from './definition.ts';
import { canonicalEmail, DEFAULT_SUBADDRESS_DOMAINS } from './email.ts';
import { type Expr, evaluate } from './expression.ts';
import { parseFieldValues } from './fields.ts';
import { OUTCOME_LABELS } from './outcomes.ts';
import { approvalsNeeded } from './rules.ts';
import type { Problem } from './validation.ts';

/*
 * What a process definition would do to a sample proposal, without running anything: which
 * gates open or are skipped, who is asked (out-of-office delegates and separation of duties
 * as the engine applies them, usecases/gates.ts), by what rule, and when the reminders, the
 * escalation and the deadline fall. Pure, so a PMO admin can try a draft before publishing.
 */

export interface DryRunInput {
  definition: ProcessDefinition;
  proposal: { sponsorEmail: string; requesterEmail?: string; fields: Record<string, unknown> };
  /** When the gates would open (default: now given by caller); ISO. */
  startAt: string;
  /** The people directory entries that matter (approvers' out-of-office), by canonical e-mail. */
  directory?: Record<string, { name?: string; away?: { from: string; until: string; delegate: string } }>;
  /** Domains whose `+tag` addresses reach the main mailbox (the deployment's setting). */
  subaddressDomains?: readonly string[];
}

export interface DryRunApprover {
  email: string;
  name?: string;
  /** Who is actually mailed: the approver, their delegate when away, or the PMO for an owner. */
  asked: string;
  because?: string;
}

export interface DryRunTimelineEntry {
  at: string;
  /** Hours from the gate's opening. */
  offsetHours: number;
  what: 'reminder' | 'escalation' | 'deadline';
  detail: string;
}

export interface DryRunGate {
  gateId: string;
  name: string;
  /** 1-based, as in the definition. */
  position: number;
  outcome: 'opens' | 'skipped';
  skipRule?: string;
  opens?: 'immediately' | 'on-submission';
  approvers?: DryRunApprover[];
  rule?: string;
  esignature?: boolean;
  deliverables?: string[];
  /** Counted from the gate's opening; `at` shows it as if the gate opened at `startAt`. */
  timeline?: DryRunTimelineEntry[];
}

export type DryRunResult =
  | {
      ok: true;
      gates: DryRunGate[];
      closeOut: { checklist: string[]; decideWithinHours: number; remindAfterHours?: number };
      notes: string[];
    }
  | { ok: false; problems: Problem[] };

const HOUR = 3_600_000;

/** How a gate's votes combine, in words, for the approvers it would actually ask. */
function describeVoteRule(rule: VoteRule, approverCount: number): string {
  switch (rule.kind) {
    case 'all':
      return 'all must approve';
    case 'any':
      return 'any one';
    case 'sequential':
      return 'in order (sequential)';
    case 'quorum':
      return `${approvalsNeeded(rule, approverCount)} of ${approverCount} (quorum)`;
    case 'percentage':
      return `${rule.percent}% of approvers (${approvalsNeeded(rule, approverCount)} of ${approverCount})`;
  }
}

/**
 * The reminders, escalation and deadline of a gate opened at `openedAt`, mirroring
 * domain/agenda.ts `gateAgenda`: a reminder falls one interval after the request (then after
 * the previous reminder) while strictly before the deadline; the escalation falls once, also
 * only before the deadline; both may fall in the same hour, and both happen (`dueActions`).
 * At equal times the reminder comes first, as the agenda's stable sort leaves it. (The engine
 * counts reminders from when each mail was sent, seconds after the opening.)
 */
function gateTimeline(
  sla: GateDefinition['sla'],
  openedAt: string,
  escalationContact: string,
): DryRunTimelineEntry[] {
  const start = Date.parse(openedAt);
  const entry = (offsetHours: number, what: DryRunTimelineEntry['what'], detail: string) => ({
    at: new Date(start + offsetHours * HOUR).toISOString(),
    offsetHours,
    what,
    detail,
  });
  const out: DryRunTimelineEntry[] = [];
  const { remindAfterHours: every, escalateAfterHours, decideWithinHours } = sla;
  if (every !== undefined)
    for (let h = every, n = 1; h < decideWithinHours; h += every, n++)
      out.push(entry(h, 'reminder', `reminder ${n} to the approvers who have not decided`));
  if (escalateAfterHours !== undefined && escalateAfterHours < decideWithinHours)
    out.push(entry(escalateAfterHours, 'escalation', `${escalationContact} is told who has not decided`));
  out.push(entry(decideWithinHours, 'deadline', `the system decides ${OUTCOME_LABELS[sla.atDeadline]}`));
  return out.sort((a, b) => a.offsetHours - b.offsetHours);
}

type Directory = NonNullable<DryRunInput['directory']>;

/**
 * Who each approver of an opening gate hands over to, as usecases/gates.ts `resolveRequests`
 * does: an owner of the project (here, its requester) is replaced by the PMO; an approver
 * away on the opening day by their delegate (unless the delegate is the requester); anyone
 * already asked is not asked twice.
 */
function whoIsAsked(
  gate: GateDefinition,
  context: {
    sponsorEmail: string;
    requester?: string;
    pmo: string;
    day: string;
    canonical: (e: string) => string;
  },
  directory: Directory,
): { approvers: DryRunApprover[]; notes: string[] } {
  const { canonical, requester, day } = context;
  const approvers: DryRunApprover[] = [];
  const notes: string[] = [];
  for (const wanted of resolveApprovers(gate, { sponsorEmail: context.sponsorEmail })) {
    const email = canonical(wanted);
    const entry = directory[email];
    const named = gate.approvers.find((a) => 'email' in a && canonical(a.email) === email);
    const name = entry?.name ?? (named && 'name' in named ? named.name : undefined);
    let asked = email;
    let because: string | undefined;
    const away = entry?.away;
    if (email === requester) {
      asked = canonical(context.pmo);
      because = 'separation of duties: they requested the project, so the PMO is asked instead';
    } else if (away && away.from <= day && day <= away.until && canonical(away.delegate) !== requester) {
      asked = canonical(away.delegate);
      because = `out of office until ${away.until}, delegate ${asked}`;
    }
    if (approvers.some((a) => a.asked === asked)) {
      notes.push(
        asked === email
          ? `Gate "${gate.id}": ${email} is listed twice (as the sponsor and by name) and is asked once.`
          : `Gate "${gate.id}": ${email} hands over to ${asked}, who is asked already, so is not asked twice.`,
      );
      continue;
    }
    approvers.push({ email, ...(name ? { name } : {}), asked, ...(because ? { because } : {}) });
  }
  return { approvers, notes };
}

/** Separation of duties as intake checks it (proposal.ts `checkProposal`): such a proposal is refused. */
function ownerNotes(
  definition: ProcessDefinition,
  people: { sponsor: string; requester?: string; canonical: (e: string) => string },
): string[] {
  const { sponsor, requester, canonical } = people;
  if (requester === undefined) return [];
  const notes: string[] = [];
  if (sponsor === requester)
    notes.push(`The requester ${requester} is also the sponsor: intake refuses such a proposal.`);
  for (const gate of definition.gates)
    if (gate.approvers.some((a) => 'email' in a && canonical(a.email) === requester))
      notes.push(
        `The requester ${requester} approves gate "${gate.id}": intake refuses such a proposal (no one approves their own project).`,
      );
  return notes;
}

/** What `input.definition` would do to `input.proposal`; problems when the proposal does not fit it. */
export function dryRun(input: DryRunInput): DryRunResult {
  const { definition, proposal } = input;
  const canonical = (e: string) => canonicalEmail(e, input.subaddressDomains ?? DEFAULT_SUBADDRESS_DOMAINS);
  const problems: Problem[] = [];
  const fields = parseFieldValues(definition.intake.fields, proposal.fields);
  if (!fields.ok) problems.push(...fields.problems.map((p) => ({ ...p, path: `proposal.${p.path}` })));
  const start = Date.parse(input.startAt);
  if (Number.isNaN(start)) problems.push({ path: 'startAt', message: 'must be a date and time (ISO 8601)' });
  if (!/^[^@\s]+@[^@\s]+$/.test(proposal.sponsorEmail.trim()))
    problems.push({ path: 'proposal.sponsorEmail', message: 'must be an e-mail address' });
  // Definitions are validated when published, so a rule parses; a draft may not have been.
  const rules: (Expr | undefined)[] = definition.gates.map((gate, i) => {
    try {
      return skipRuleOf(gate);
    } catch (error) {
      problems.push({
        path: `definition.gates.${i}.skipWhen`,
        message: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  });
  if (!fields.ok || problems.length > 0) return { ok: false, problems };

  const openedAt = new Date(start).toISOString();
  const day = openedAt.slice(0, 10);
  const sponsorEmail = canonical(proposal.sponsorEmail);
  const requester = proposal.requesterEmail === undefined ? undefined : canonical(proposal.requesterEmail);
  const directory: Directory = Object.fromEntries(
    Object.entries(input.directory ?? {}).map(([email, entry]) => [canonical(email), entry]),
  );
  const escalationContact = definition.contacts.escalation ?? definition.contacts.pmo;
  const context = {
    sponsorEmail,
    ...(requester ? { requester } : {}),
    pmo: definition.contacts.pmo,
    day,
    canonical,
  };
  const notes: string[] = [];
  const gates = definition.gates.map((gate, i): DryRunGate => {
    const rule = rules[i];
    const base = { gateId: gate.id, name: gate.name, position: i + 1 };
    const skipRule = gate.skipWhen === undefined ? {} : { skipRule: gate.skipWhen };
    if (rule && evaluate(rule, fields.value)) return { ...base, outcome: 'skipped', ...skipRule };
    const asked = whoIsAsked(gate, context, directory);
    notes.push(...asked.notes);
    return {
      ...base,
      outcome: 'opens',
      ...skipRule,
      opens: gate.opens,
      approvers: asked.approvers,
      rule: describeVoteRule(gate.rule, asked.approvers.length),
      esignature: gate.esignature,
      deliverables: gate.deliverables.map((d) => (d.required ? d.name : `${d.name} (optional)`)),
      timeline: gateTimeline(gate.sla, openedAt, escalationContact),
    };
  });

  const opening = gates.filter((g) => g.outcome === 'opens');
  const first = opening[0];
  if (first === undefined) notes.push('Every gate is skipped: the project goes straight to its close-out.');
  else {
    const opener =
      first.opens === 'immediately'
        ? `Gate "${first.gateId}" opens at intake.`
        : `No gate opens at intake: the project starts with the stage before gate "${first.gateId}", which opens when its deliverables are submitted.`;
    notes.push(
      `${opener} Each later gate opens when its stage's deliverables are submitted (or right after the previous Go, if it opens immediately); times count from each gate's own opening, and the dates shown assume it opens at ${openedAt}.`,
    );
  }
  if (Object.values(directory).some((p) => p.away))
    notes.push(
      `Out of office is judged on ${day} (UTC); a gate opening on another day may ask other people.`,
    );
  if (opening.some((g) => definition.gates[g.position - 1]?.rule.kind === 'sequential'))
    notes.push(
      'A sequential gate asks one approver at a time, each after the previous one approves: reminders count from each request.',
    );
  notes.push(...ownerNotes(definition, { sponsor: sponsorEmail, ...context }));

  const { checklist, sla } = definition.closeOut;
  return {
    ok: true,
    gates,
    closeOut: {
      checklist: [...checklist],
      decideWithinHours: sla.decideWithinHours,
      ...(sla.remindAfterHours === undefined ? {} : { remindAfterHours: sla.remindAfterHours }),
    },
    notes,
  };
}
