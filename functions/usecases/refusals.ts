import { CHAINS, type TrailActor } from '../domain/trail.ts';
import type { Problem } from '../domain/validation.ts';
import type { RequestSource } from './model.ts';
import type { Ports } from './ports.ts';
import { nowIso } from './shared.ts';

export interface Refusal {
  /** The route template (`POST /projects/{projectId}/submissions`), never the path: it may carry a secret. */
  route: string;
  status: number;
  message: string;
  problems?: Problem[];
  actor: TrailActor;
  source: RequestSource;
  /** The project the request named, when its path did (and it exists). */
  projectId?: string;
  /** Where refusals without a project go: `intake` for proposals, `access` otherwise. */
  fallbackChain: string;
}

/**
 * Every refused request leaves a trail entry — on its project's chain when it named one that
 * exists and is not sealed, else on the fallback chain — and nothing else. Best effort: a
 * refusal is answered whatever happens here.
 */
export async function recordRefusal(
  ports: Pick<Ports, 'repository' | 'clock' | 'log'>,
  refusal: Refusal,
): Promise<void> {
  try {
    let chain = refusal.fallbackChain;
    let definition: { id: string; version: number } | undefined;
    if (refusal.projectId) {
      const project = await ports.repository.getProject(refusal.projectId);
      const head = project && (await ports.repository.getTrailHead(CHAINS.project(project.projectId)));
      if (project && !head?.sealed) {
        chain = CHAINS.project(project.projectId);
        definition = project.definition;
      }
    }
    await ports.repository.appendTrail([
      {
        chain,
        ...(refusal.projectId ? { subject: { projectId: refusal.projectId } } : {}),
        at: nowIso(ports),
        actor: refusal.actor,
        action: 'request.refused',
        ...(definition ? { definition } : {}),
        source: refusal.source,
        detail: {
          route: refusal.route,
          status: refusal.status,
          message: refusal.message,
          ...(refusal.problems?.length ? { problems: refusal.problems.slice(0, 20) } : {}),
        },
      },
    ]);
  } catch (error) {
    ports.log.warn('refusal not recorded', {
      route: refusal.route,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
}
