import { CHAINS } from '../domain/trail.ts';
import type { GateRef } from './model.ts';
import type { Ports } from './ports.ts';
import { nowIso } from './shared.ts';

/**
 * A failed execution leaves an entry on its project's chain (Step Functions history expires;
 * the trail does not). The alarms tell an operator; the sweeper repairs what it can.
 */
export async function recordFailure(
  ports: Pick<Ports, 'repository' | 'clock' | 'log'>,
  failure: {
    workflow: string;
    projectId: string;
    gate?: GateRef | undefined;
    error?: { Error?: string | undefined; Cause?: string | undefined } | undefined;
  },
): Promise<void> {
  const project = await ports.repository.getProject(failure.projectId);
  try {
    await ports.repository.appendTrail([
      {
        chain: CHAINS.project(failure.projectId),
        subject: {
          projectId: failure.projectId,
          ...(failure.gate ? { gateId: failure.gate.gateId, sequence: failure.gate.sequence } : {}),
        },
        at: nowIso(ports),
        actor: { type: 'system', id: failure.workflow },
        action: 'workflow.failed',
        ...(project ? { definition: project.definition } : {}),
        // The error name, and a short cause: never the whole payload (it may hold a task token).
        detail: {
          error: failure.error?.Error ?? 'unknown',
          cause: (failure.error?.Cause ?? '').slice(0, 300),
        },
      },
    ]);
  } catch (error) {
    ports.log.error('a workflow failure could not be recorded', {
      projectId: failure.projectId,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
}
