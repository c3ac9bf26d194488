import { gateAgenda, nextAgendaAt } from '../domain/agenda.ts';
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

/** Puts the instance where its next action falls in the agenda (a newer change reschedules itself). */
export async function reschedule(ports: Pick<Ports, 'repository'>, gate: GateInstance): Promise<void> {
  const [requests, votes] = await Promise.all([
    ports.repository.listRequests(gate.projectId, gate.sequence),
    ports.repository.listVotes(gate.projectId, gate.sequence),
  ]);
  const at = nextAgendaAt(gateAgenda(gate, requests, awaitingOf(gate, votes)));
  try {
    await ports.repository.scheduleGate(gate, at);
  } catch (error) {
    if (!(error instanceof WriteRejectedError && error.guards.includes('gate-unchanged'))) throw error;
  }
}
