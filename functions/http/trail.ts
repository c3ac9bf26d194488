import { once } from '../adapters/environment.ts';
import {
  anchorReaderFromEnv,
  exportLinksFromEnv,
  publicKeyFromEnv,
} from '../adapters/trail/read-from-env.ts';
import { CHAINS } from '../domain/trail.ts';
import { requireRole } from '../usecases/caller.ts';
import type { AnchorReader, ExportLinks, PublicKeySource } from '../usecases/ports.ts';
import { approvalRecord } from '../usecases/record.ts';
import { jobStatus, requestExport, requestVerification } from '../usecases/trail-jobs.ts';
import { recordPage } from '../views/record-page.ts';
import { callerOf } from './caller.ts';
import { page } from './pages.ts';
import { pathParameter } from './paths.ts';
import { type HttpPorts, httpPortsFromEnv } from './ports.ts';
import { refusalsOf } from './refusals.ts';
import { type HttpEvent, httpFunction, json, jsonBody } from './wrapper.ts';

/** The compliance routes only read the trail's storage: they never sign, anchor or write exports. */
type TrailPorts = HttpPorts & { anchors: AnchorReader; exports: ExportLinks; signer: PublicKeySource };

/**
 * Compliance routes (compliance and PMO admin roles): export the trail, verify it, fetch the
 * public key that checks exports and anchors offline, print a project's approval record.
 */
export function trailRoutes(ports: () => TrailPorts) {
  const reader = (event: HttpEvent) => {
    const caller = callerOf(event);
    requireRole(caller, 'compliance', 'pmo-admin');
    return caller;
  };
  return httpFunction(
    [
      {
        method: 'POST',
        path: '/trail/exports',
        handler: async (event: HttpEvent) => {
          const job = await requestExport(ports(), reader(event), jsonBody(event));
          return json(202, job, { location: `/trail/jobs/${job.jobId}` });
        },
      },
      {
        method: 'POST',
        path: '/trail/verifications',
        handler: async (event: HttpEvent) => {
          const job = await requestVerification(ports(), reader(event));
          return json(202, job, { location: `/trail/jobs/${job.jobId}` });
        },
      },
      {
        method: 'GET',
        path: '/trail/jobs/{jobId}',
        handler: async (event: HttpEvent) =>
          json(200, await jobStatus(ports(), reader(event), pathParameter(event, 'jobId'))),
      },
      {
        method: 'GET',
        path: '/trail/public-key',
        handler: async (event: HttpEvent) => {
          reader(event);
          return json(200, {
            algorithm: 'ECDSA_SHA_256',
            publicKeyPem: await ports().signer.publicKeyPem(),
          });
        },
      },
      {
        method: 'GET',
        path: '/projects/{projectId}/record',
        handler: async (event: HttpEvent) =>
          page(
            200,
            recordPage(await approvalRecord(ports(), reader(event), pathParameter(event, 'projectId'))),
          ),
      },
    ],
    'json',
    refusalsOf(ports, { fallbackChain: CHAINS.compliance }),
  );
}

export const handler = trailRoutes(
  once(() => ({
    ...httpPortsFromEnv(),
    anchors: anchorReaderFromEnv(),
    exports: exportLinksFromEnv(),
    signer: publicKeyFromEnv(),
  })),
);
