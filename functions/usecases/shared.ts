import type { ProcessDefinition } from '../domain/definition.ts';
import { canonicalEmail } from '../domain/email.ts';
import { NotFoundError } from '../domain/errors.ts';
import { CHAINS, type TrailActor, type TrailEvent } from '../domain/trail.ts';
import type { DirectoryPerson, GateInstance, Project, RequestSource } from './model.ts';
import type { Ports } from './ports.ts';

/** A workflow step met data it cannot work with; the execution fails with this name. */
export class GateTaskError extends Error {
  override readonly name = 'GateTaskError';
}

export async function loadProjectAndDefinition(
  ports: Pick<Ports, 'repository'>,
  projectId: string,
): Promise<{ project: Project; definition: ProcessDefinition }> {
  const project = await ports.repository.getProject(projectId);
  if (!project) throw new GateTaskError(`project ${projectId} does not exist`);
  const definition = await ports.repository.getDefinition(project.definition.id, project.definition.version);
  if (!definition)
    throw new GateTaskError(`definition ${project.definition.id} v${project.definition.version} is missing`);
  return { project, definition };
}

/** The project a signed-in caller names in a path, or the same 404 for missing and not-theirs (no IDOR). */
export async function projectFor(
  ports: Pick<Ports, 'repository'>,
  projectId: string,
  mayAct: (project: Project) => boolean,
): Promise<{ project: Project; definition: ProcessDefinition }> {
  const project = await ports.repository.getProject(projectId);
  if (!project || !mayAct(project)) throw new NotFoundError(`project ${projectId} was not found`);
  return loadProjectAndDefinition(ports, projectId);
}

export const SYSTEM = {
  intake: { type: 'system', id: 'intake' },
  gateReview: { type: 'system', id: 'gate-review' },
  closeOut: { type: 'system', id: 'close-out' },
  sweeper: { type: 'system', id: 'sweeper' },
} as const satisfies Record<string, TrailActor>;

/** A trail entry on a project's chain. */
export function projectEvent(
  project: Pick<Project, 'projectId' | 'definition'>,
  action: string,
  args: {
    at: string;
    actor: TrailActor;
    detail?: Record<string, unknown>;
    gate?: Pick<GateInstance, 'gateId' | 'sequence'>;
    source?: RequestSource;
    packageHash?: string;
  },
): TrailEvent {
  return {
    chain: CHAINS.project(project.projectId),
    subject: {
      projectId: project.projectId,
      ...(args.gate ? { gateId: args.gate.gateId, sequence: args.gate.sequence } : {}),
    },
    at: args.at,
    actor: args.actor,
    action,
    definition: project.definition,
    ...(args.source ? { source: args.source } : {}),
    ...(args.packageHash ? { packageHash: args.packageHash } : {}),
    detail: args.detail ?? {},
  };
}

/** A gate instance's project, as far as trail entries need it. */
export function gateProject(gate: GateInstance): Pick<Project, 'projectId' | 'definition'> {
  return {
    projectId: gate.projectId,
    definition: { id: gate.package.definition.id, version: gate.package.definition.version },
  };
}

/**
 * The version a gate instance was opened with (its package names it): one of `known` when it
 * matches, as it does unless the project was migrated since (then read: versions are immutable).
 * A migration moves the project, never what its open gate was opened under.
 */
export async function openedDefinition(
  ports: Pick<Ports, 'repository'>,
  gate: Pick<GateInstance, 'package'>,
  ...known: ProcessDefinition[]
): Promise<ProcessDefinition> {
  const { id, version } = gate.package.definition;
  const opened =
    known.find((d) => d.id === id && d.version === version) ??
    (await ports.repository.getDefinition(id, version));
  if (!opened) throw new GateTaskError(`definition ${id} v${version} is missing`);
  return opened;
}

export function canonical(ports: Pick<Ports, 'settings'>, email: string): string {
  return canonicalEmail(email, ports.settings.subaddressDomains);
}

/** The project's requester and manager: the people who may never approve it. */
export function projectOwners(ports: Pick<Ports, 'settings'>, project: Project): string[] {
  return [project.requester.email, ...(project.manager ? [project.manager.email] : [])].map((e) =>
    canonical(ports, e),
  );
}

/** Whether `email` is the project's requester or manager, under any alias. */
export function ownsProject(ports: Pick<Ports, 'settings'>, project: Project, email: string): boolean {
  return projectOwners(ports, project).includes(canonical(ports, email));
}

/** A person's printed name from the directory; the address itself when they are not in it. */
export async function directoryEntry(
  ports: Pick<Ports, 'repository' | 'settings'>,
  email: string,
): Promise<DirectoryPerson | undefined> {
  return ports.repository.getPerson(canonical(ports, email));
}

export async function printedName(
  ports: Pick<Ports, 'repository' | 'settings'>,
  email: string,
): Promise<string> {
  return (await directoryEntry(ports, email))?.name ?? email;
}

/** What a close-out runs for (a cancelled project has none: it closes at once). */
export const closeOutReason = (project: Pick<Project, 'closeReason'>): 'completed' | 'killed' =>
  project.closeReason === 'killed' ? 'killed' : 'completed';

export const plusMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
export const today = (ports: Pick<Ports, 'clock'>) => ports.clock.now().toISOString().slice(0, 10);
export const nowIso = (ports: Pick<Ports, 'clock'>) => ports.clock.now().toISOString();
