import { conditionMissedAt } from '../domain/agenda.ts';
import { holdNotice } from './notify.ts';
import type { Ports } from './ports.ts';
import { loadProjectAndDefinition, nowIso, projectEvent, SYSTEM } from './shared.ts';
import { changeWithRetry } from './transitions.ts';

/**
 * The sweeper found a condition past its due date and still open: the project goes on hold
 * (when it is working on a stage) and the PMO and the owner are told. Done once per condition.
 */
export async function missCondition(
  ports: Pick<Ports, 'repository' | 'mailer' | 'clock' | 'settings' | 'log'>,
  args: { projectId: string; conditionId: string },
): Promise<'held' | 'missed' | 'nothing'> {
  const condition = await ports.repository.getCondition(args.projectId, args.conditionId);
  const at = nowIso(ports);
  if (condition?.state !== 'open' || condition.missedAt || conditionMissedAt(condition.due) > at)
    return 'nothing';
  const { project, definition } = await loadProjectAndDefinition(ports, args.projectId);
  const hold = project.status === 'in-stage' && project.stage;
  await changeWithRetry(ports, project.projectId, (current) => {
    const holding = current.status === 'in-stage' && current.stage;
    return {
      projectId: current.projectId,
      expectedVersion: current.version,
      set: holding
        ? {
            status: 'on-hold',
            hold: {
              since: at,
              cause: 'condition',
              resumeTo: { route: 'stage', gateId: current.stage?.gateId ?? '' },
              conditionId: condition.conditionId,
            },
            updatedAt: at,
          }
        : { updatedAt: at },
      ...(holding ? { remove: ['stage' as const] } : {}),
      updateCondition: { condition: { ...condition, missedAt: at }, expectedState: 'open' },
      events: [
        projectEvent(current, 'condition.missed', {
          at,
          actor: SYSTEM.sweeper,
          detail: {
            conditionId: condition.conditionId,
            text: condition.text,
            due: condition.due,
            owner: condition.owner,
          },
        }),
        ...(holding
          ? [
              projectEvent(current, 'project.on-hold', {
                at,
                actor: SYSTEM.sweeper,
                detail: { cause: 'condition', conditionId: condition.conditionId },
              }),
            ]
          : []),
      ],
    };
  });
  await holdNotice(ports, { project, definition, cause: 'condition', condition });
  return hold ? 'held' : 'missed';
}
