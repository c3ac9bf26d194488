import { type AgendaRequest, gateAgenda, nextAgendaAt } from '../domain/agenda.ts';
import { type Tally, tally } from '../domain/rules.ts';
import type { GateInstance, VoteRecord } from './model.ts';
import { type Ports, WriteRejectedError } from './ports.ts';

/** Where the instance's recorded votes stand under its rule (knock-outs included). */
export function tallyVotes(
  gate: Pick<GateInstance, 'rule' | 'approvers'>,
  votes: readonly VoteRecord[],
): Tally {
  return tally(
    gate.rule,
    gate.approvers,
    votes.map((v) => ({
      approver: v.approver,
      outcome: v.decision.outcome,
      knockout: v.decision.knockouts.length > 0,
    })),
  );
}

/** Who the vote rule is waiting for. */
export function awaitingOf(
  gate: Pick<GateInstance, 'rule' | 'approvers'>,
  votes: readonly VoteRecord[],
): string[] {
  const state = tallyVotes(gate, votes);
  return state.status === 'pending' ? state.awaiting : [];
}

/** While the workflow mails (a gate just opened, a nudge), the sweeper leaves those sends alone this long. */
export const SENDING_GRACE_MS = 5 * 60_000;

/**
 * When the sweeper should next look at an instance. `sendingAt`: the workflow is about to mail
 * whoever is unsent, so the sweeper's own send waits out the grace (else both might mail).
 */
export function nextLook(
  gate: GateInstance,
  requests: readonly AgendaRequest[],
  votes: readonly VoteRecord[],
  sendingAt?: string,
): string | undefined {
  const grace = sendingAt && new Date(Date.parse(sendingAt) + SENDING_GRACE_MS).toISOString();
  const agenda = gateAgenda(gate, requests, awaitingOf(gate, votes)).map((s) =>
    grace && s.action.kind === 'send' && s.at < grace ? { ...s, at: grace } : s,
  );
  return nextAgendaAt(agenda.sort((a, b) => a.at.localeCompare(b.at)));
}

/** Puts the instance where its next action falls in the agenda (a newer change reschedules itself). */
export async function reschedule(
  ports: Pick<Ports, 'repository'>,
  gate: GateInstance,
  sendingAt?: string,
): Promise<void> {
  const [requests, votes] = await Promise.all([
    ports.repository.listRequests(gate.projectId, gate.sequence),
    ports.repository.listVotes(gate.projectId, gate.sequence),
  ]);
  try {
    await ports.repository.scheduleGate(gate, nextLook(gate, requests, votes, sendingAt));
  } catch (error) {
    if (!(error instanceof WriteRejectedError && error.guards.includes('gate-unchanged'))) throw error;
  }
}
