import { NotFoundError } from '../domain/errors.ts';
import type { Ports } from './ports.ts';

export interface Caller {
  email: string;
  name: string;
  groups: string[];
}

/**
 * GET /projects/{id}: where a project stands. Visible to its requester and sponsor and
 * to the PMO and compliance; anyone else gets the same 404 as for a missing project (no IDOR).
 */
export async function projectStatus(ports: Pick<Ports, 'repository'>, caller: Caller, projectId: string) {
  const project = await ports.repository.getProject(projectId);
  const mayRead =
    project &&
    (project.requester.email === caller.email ||
      project.sponsorEmail === caller.email ||
      caller.groups.includes('pmo-admin') ||
      caller.groups.includes('compliance'));
  if (!project || !mayRead) throw new NotFoundError(`project ${projectId} was not found`);
  const gate = project.currentGate
    ? await ports.repository.getGate(project.projectId, project.currentGate.sequence)
    : undefined;
  return {
    projectId: project.projectId,
    title: project.title,
    status: project.status,
    definition: project.definition,
    sponsorEmail: project.sponsorEmail,
    requester: project.requester.email,
    submittedAt: project.submittedAt,
    updatedAt: project.updatedAt,
    ...(project.closeReason ? { closeReason: project.closeReason } : {}),
    currentGate: gate
      ? {
          gateId: gate.gateId,
          name: gate.package.gate.name,
          sequence: gate.sequence,
          status: gate.status,
          dueAt: gate.dueAt,
          ...(gate.outcome ? { outcome: gate.outcome } : {}),
        }
      : null,
  };
}
