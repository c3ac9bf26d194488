import { findGate } from '../domain/definition.ts';
import { skipReason } from '../domain/lifecycle.ts';
import type { Caller } from './caller.ts';
import type { Ports } from './ports.ts';
import { canonical, ownsProject, projectFor } from './shared.ts';

/**
 * GET /projects/{id}: where a project stands — its stage and checklist, the open gate and who
 * is deciding, every gate instance so far, its conditions and any hold. Visible to its
 * requester, manager and sponsor and to the PMO and compliance; anyone else gets the same
 * 404 as for a missing project (no IDOR).
 */
export async function projectStatus(
  ports: Pick<Ports, 'repository' | 'settings'>,
  caller: Caller,
  projectId: string,
) {
  const { project, definition } = await projectFor(
    ports,
    projectId,
    (p) =>
      ownsProject(ports, p, caller.email) ||
      canonical(ports, p.sponsorEmail) === canonical(ports, caller.email) ||
      caller.groups.includes('pmo-admin') ||
      caller.groups.includes('compliance'),
  );
  const [gates, conditions] = await Promise.all([
    ports.repository.listGates(project.projectId),
    ports.repository.listConditions(project.projectId),
  ]);
  const current = project.currentGate
    ? gates.find((g) => g.sequence === project.currentGate?.sequence)
    : undefined;
  const requests = current ? await ports.repository.listRequests(current.projectId, current.sequence) : [];
  const stageGate = project.stage ? findGate(definition, project.stage.gateId) : undefined;
  const mayAct = ownsProject(ports, project, caller.email) && caller.groups.includes('requester');
  return {
    projectId: project.projectId,
    title: project.title,
    summary: project.summary,
    status: project.status,
    definition: { ...project.definition, name: definition.name },
    requester: project.requester.email,
    manager: (project.manager ?? project.requester).email,
    sponsorEmail: project.sponsorEmail,
    fields: project.fields,
    submittedAt: project.submittedAt,
    updatedAt: project.updatedAt,
    ...(project.closeReason ? { closeReason: project.closeReason } : {}),
    ...(project.closedAt ? { closedAt: project.closedAt } : {}),
    ...(project.signOff ? { signOff: project.signOff } : {}),
    ...(project.sealedAt ? { sealedAt: project.sealedAt } : {}),
    stage:
      project.stage && stageGate
        ? {
            gateId: stageGate.id,
            gateName: stageGate.name,
            position: definition.gates.indexOf(stageGate) + 1,
            enteredAt: project.stage.enteredAt,
            checklist: stageGate.deliverables,
          }
        : null,
    hold: project.hold ?? null,
    currentGate: current
      ? {
          gateId: current.gateId,
          name: current.package.gate.name,
          sequence: current.sequence,
          kind: current.kind,
          status: current.status,
          openedAt: current.openedAt,
          dueAt: current.dueAt,
          ...(current.outcome ? { outcome: current.outcome } : {}),
          approvers: requests.map((r) => ({
            email: r.approver,
            name: r.name,
            status: r.status,
            ...(r.sentAt ? { mailedAt: r.sentAt } : {}),
            ...(r.handedFrom ? { handedFrom: r.handedFrom } : {}),
          })),
        }
      : null,
    gates: gates.map((g) => ({
      sequence: g.sequence,
      gateId: g.gateId,
      name: g.package.gate.name,
      kind: g.kind,
      status: g.status,
      openedAt: g.openedAt,
      dueAt: g.dueAt,
      ...(g.outcome ? { outcome: g.outcome } : {}),
      ...(g.decidedAt ? { decidedAt: g.decidedAt, decidedBy: g.decidedBy } : {}),
      ...(g.score ? { score: g.score } : {}),
    })),
    skipped: definition.gates.flatMap((g) => {
      const rule = skipReason(definition, g.id, project.fields);
      return rule ? [{ gateId: g.id, name: g.name, rule }] : [];
    }),
    conditions,
    actions: {
      submit: mayAct && project.status === 'in-stage' && !conditions.some((c) => c.state === 'open'),
      markMet: conditions
        .filter((c) => c.state === 'open' && canonical(ports, c.owner) === canonical(ports, caller.email))
        .map((c) => c.conditionId),
      resume: caller.groups.includes('pmo-admin') && project.status === 'on-hold',
    },
  };
}
