import { closeOutEmail } from '../views/email.ts';
import { type Ports, WriteRejectedError } from './ports.ts';

export interface CloseOutInput {
  projectId: string;
  reason: string;
}

/** Close-out task: marks the project closed with its trail entry, then tells requester and sponsor (once). */
export async function closeProject(
  ports: Pick<Ports, 'repository' | 'mailer' | 'clock'>,
  input: CloseOutInput,
) {
  const project = await ports.repository.getProject(input.projectId);
  if (!project) throw new Error(`project ${input.projectId} does not exist`);
  if (project.status === 'closed') return { projectId: project.projectId, status: 'closed' as const };
  const at = ports.clock.now().toISOString();
  try {
    await ports.repository.closeProject(
      project.projectId,
      { at, reason: input.reason },
      {
        projectId: project.projectId,
        at,
        actor: { type: 'system', id: 'close-out' },
        action: 'project.closed',
        definition: project.definition,
        detail: { reason: input.reason, lastGate: project.currentGate },
      },
    );
  } catch (error) {
    if (error instanceof WriteRejectedError)
      return { projectId: project.projectId, status: 'closed' as const };
    throw error;
  }
  for (const to of new Set([project.requester.email, project.sponsorEmail])) {
    await ports.mailer.send(closeOutEmail({ to, title: project.title, reason: input.reason, at }));
  }
  return { projectId: project.projectId, status: 'closed' as const };
}
