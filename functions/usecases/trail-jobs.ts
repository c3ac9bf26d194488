import { createHash, randomUUID } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../domain/errors.ts';
import {
  type ExportFilters,
  type ExportRequest,
  exportHeader,
  exportRecords,
  matchesFilters,
  parseExportRequest,
} from '../domain/export-format.ts';
import { EntriesDigest, type ExportManifest } from '../domain/manifest.ts';
import { CHAINS, type TrailEntry, type TrailEvent } from '../domain/trail.ts';
import { type Caller, requireRole } from './caller.ts';
import type { TrailJob } from './model.ts';
import type { ExportLinks, ExportStore, Ports, Signer } from './ports.ts';
import { readAhead } from './read-ahead.ts';
import { nowIso } from './shared.ts';
import { latestAnchor, type VerifyPorts, verifyTrail } from './verification.ts';

/** A date-range export reads one index partition per day; ten years is the most one export spans. */
const MAX_RANGE_DAYS = 3660;
const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson' } as const;

type RequestPorts = Pick<Ports, 'repository' | 'workflow' | 'clock'>;

/**
 * POST /trail/exports: a compliance officer or PMO admin asks for an export (filters checked
 * first: unknown filters, a reversed or too long range, a project that is not there are a
 * 400/404, nothing started). The export job streams the file and signs its manifest.
 */
export async function requestExport(ports: RequestPorts, caller: Caller, body: unknown): Promise<TrailJob> {
  requireRole(caller, 'compliance', 'pmo-admin');
  const parsed = parseExportRequest(body);
  if (!parsed.ok) throw new InvalidInputError('the export request has problems', parsed.problems);
  const request = parsed.value;
  if ((request.from === undefined) !== (request.to === undefined)) {
    throw new InvalidInputError('the export request has problems', [
      { path: request.from ? 'to' : 'from', message: 'a date range needs both from and to' },
    ]);
  }
  if (request.from && request.to && days(request.from, request.to).length > MAX_RANGE_DAYS) {
    throw new InvalidInputError('the export request has problems', [
      { path: 'to', message: `a range spans at most ${MAX_RANGE_DAYS} days` },
    ]);
  }
  if (request.projectId && !(await ports.repository.getProject(request.projectId)))
    throw new NotFoundError(`project ${request.projectId} was not found`);
  return startJob(ports, caller, 'export', request);
}

/** POST /trail/verifications: every chain and the anchors, checked by a job. */
export async function requestVerification(ports: RequestPorts, caller: Caller): Promise<TrailJob> {
  requireRole(caller, 'compliance', 'pmo-admin');
  return startJob(ports, caller, 'verify', {});
}

async function startJob(
  ports: RequestPorts,
  caller: Caller,
  kind: TrailJob['kind'],
  request: TrailJob['request'],
): Promise<TrailJob> {
  const job: TrailJob = {
    jobId: randomUUID(),
    kind,
    status: 'running',
    request,
    requestedBy: caller.actor,
    requestedAt: nowIso(ports),
  };
  await ports.repository.putJob(job);
  await ports.workflow.startTrailJob(job.jobId);
  return job;
}

/** GET /trail/jobs/{id}: where a job stands; a finished export comes with download links. */
export async function jobStatus(
  ports: Pick<Ports, 'repository'> & { exports: ExportLinks },
  caller: Caller,
  jobId: string,
): Promise<TrailJob & { links?: { data: string; manifest: string } }> {
  requireRole(caller, 'compliance', 'pmo-admin');
  const job = await ports.repository.getJob(jobId);
  if (!job) throw new NotFoundError(`job ${jobId} was not found`);
  if (!job.files) return job;
  return {
    ...job,
    links: {
      data: await ports.exports.link(job.files.data),
      manifest: await ports.exports.link(job.files.manifest),
    },
  };
}

export type JobPorts = VerifyPorts & Pick<Ports, 'log'> & { exports: ExportStore; signer: Signer };

/** The trail-job workflow's task: runs the export or verification and records how it went. */
export async function runTrailJob(
  ports: JobPorts,
  jobId: string,
): Promise<Pick<TrailJob, 'jobId' | 'status'>> {
  const job = await ports.repository.getJob(jobId);
  if (!job) throw new NotFoundError(`job ${jobId} was not found`);
  if (job.status !== 'running') return { jobId, status: job.status };
  const finishedAt = () => nowIso(ports);
  if (job.kind === 'verify') {
    const verification = await verifyTrail(ports);
    await ports.repository.appendTrail([
      complianceEvent(ports, job, 'trail.verified', {
        ok: verification.ok,
        chains: verification.chains,
        entries: verification.entries,
        anchor: verification.anchor,
        firstBreak: verification.firstBreak,
      }),
    ]);
    await ports.repository.putJob({ ...job, status: 'done', verification, finishedAt: finishedAt() });
    return { jobId, status: 'done' };
  }
  const signed = await exportTrail(ports, job, job.request as ExportRequest);
  const files = { data: signed.manifest.file.name, manifest: `${jobId}.manifest.json` };
  await ports.exports.put(files.manifest, `${JSON.stringify(signed, null, 2)}\n`, 'application/json');
  const detail = {
    exportId: jobId,
    filters: signed.manifest.filters,
    format: signed.manifest.format,
    count: signed.manifest.entries.count,
    sha256: signed.manifest.file.sha256,
  };
  const events = [complianceEvent(ports, job, 'trail.exported', detail)];
  // A project's own chain records its exports too (a sealed chain takes exactly these).
  const { projectId } = signed.manifest.filters;
  if (projectId)
    events.push({
      ...complianceEvent(ports, job, 'trail.exported', detail),
      chain: CHAINS.project(projectId),
    });
  for (const event of events) await ports.repository.appendTrail([event]);
  await ports.repository.putJob({
    ...job,
    status: 'done',
    manifest: signed,
    files,
    finishedAt: finishedAt(),
  });
  return { jobId, status: 'done' };
}

/** The workflow's Catch: the job failed (its error is kept; details are in the logs). */
export async function failTrailJob(
  ports: Pick<Ports, 'repository' | 'clock'>,
  args: { jobId: string; error: string },
): Promise<void> {
  const job = await ports.repository.getJob(args.jobId);
  if (job?.status !== 'running') return;
  await ports.repository.putJob({
    ...job,
    status: 'failed',
    error: args.error.slice(0, 500),
    finishedAt: nowIso(ports),
  });
}

/**
 * Streams the entries the filters select into the export store, page by page in constant
 * memory, hashing the file and the entries as it goes, then signs the manifest.
 */
async function exportTrail(
  ports: JobPorts,
  job: TrailJob,
  request: ExportRequest,
): Promise<{ manifest: ExportManifest; signature: Awaited<ReturnType<Signer['sign']>> }> {
  const { format, ...filters } = request;
  const name = `${job.jobId}.${format}`;
  const writer = ports.exports.open(name, CONTENT_TYPES[format]);
  const file = createHash('sha256');
  let bytes = 0;
  const digest = new EntriesDigest();
  const write = async (chunk: string) => {
    if (!chunk) return;
    file.update(chunk);
    bytes += Buffer.byteLength(chunk);
    await writer.write(chunk);
  };
  const [{ signed: anchor }, heads] = await Promise.all([latestAnchor(ports), ports.repository.listHeads()]);
  const covered = new Set<string>();
  try {
    await write(exportHeader(format));
    // The next page is read while this one is formatted and written: one write per page.
    for await (const page of readAhead(
      sources(
        ports,
        filters,
        heads.map((h) => h.chain),
      ),
    )) {
      const selected = page.filter((entry) => matchesFilters(entry, filters));
      for (const entry of selected) {
        covered.add(entry.chain);
        digest.add(entry.hash);
      }
      await write(exportRecords(format, selected));
    }
  } finally {
    await writer.close();
  }
  const manifest: ExportManifest = {
    kind: 'tollgate-trail-export',
    version: 1,
    exportId: job.jobId,
    format,
    filters,
    file: { name, bytes, sha256: file.digest('hex') },
    entries: { count: digest.count, digest: digest.digest() },
    heads: heads
      .filter((h) => covered.has(h.chain))
      .map((h) => ({ chain: h.chain, seq: h.seq, hash: h.hash })),
    anchor: anchor ? { seq: anchor.anchor.seq, at: anchor.anchor.at, hash: anchor.anchor.hash } : null,
    exportedBy: job.requestedBy,
    exportedAt: nowIso(ports),
  };
  return { manifest, signature: await ports.signer.sign(manifest) };
}

/** Where the entries come from: one project's chain, the days of a range, or every chain. */
async function* sources(
  ports: Pick<Ports, 'repository'>,
  filters: ExportFilters,
  chains: string[],
): AsyncIterable<TrailEntry[]> {
  if (filters.projectId) yield* ports.repository.chainPages(CHAINS.project(filters.projectId));
  else if (filters.from && filters.to)
    for (const day of days(filters.from, filters.to)) yield* ports.repository.dayPages(day);
  else for (const chain of chains) yield* ports.repository.chainPages(chain);
}

/** Every UTC date from `from` to `to`, inclusive. */
function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (
    let t = Date.parse(`${from}T00:00:00Z`);
    t <= Date.parse(`${to}T00:00:00Z`) && out.length <= MAX_RANGE_DAYS;
    t += 86_400_000
  )
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function complianceEvent(
  ports: Pick<Ports, 'clock'>,
  job: TrailJob,
  action: string,
  detail: Record<string, unknown>,
): TrailEvent {
  return {
    chain: CHAINS.compliance,
    ...(job.kind === 'export' && (job.request as ExportRequest).projectId
      ? { subject: { projectId: (job.request as ExportRequest).projectId } }
      : {}),
    at: nowIso(ports),
    actor: job.requestedBy,
    action,
    detail,
  };
}
