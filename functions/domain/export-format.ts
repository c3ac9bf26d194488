import { stringify } from 'csv-stringify/sync';
import * as z from 'zod/mini';
import type { TrailEntry } from './trail.ts';
import { type Parsed, parseWith } from './validation.ts';

/** What an export covers: one project, a date range, a gate, an approver, an action, or everything. */
export const exportRequestSchema = z.strictObject({
  format: z.enum(['csv', 'jsonl']),
  projectId: z.optional(z.uuid()),
  /** Inclusive UTC dates. */
  from: z.optional(z.iso.date()),
  to: z.optional(z.iso.date()),
  gateId: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a gate id'))),
  approver: z.optional(z.email().check(z.toLowerCase(), z.maxLength(254))),
  action: z.optional(
    z
      .string()
      .check(
        z.regex(/^[a-z][a-z-]*(\.[a-z][a-z-]*)+$/, 'must be an action such as decision.recorded'),
        z.maxLength(64),
      ),
  ),
});

export type ExportRequest = z.infer<typeof exportRequestSchema>;
export type ExportFilters = Omit<ExportRequest, 'format'>;

/** Shape, then the rules across fields (a range that ends before it starts). */
export function parseExportRequest(input: unknown): Parsed<ExportRequest> {
  const parsed = parseWith(exportRequestSchema, input);
  if (!parsed.ok) return parsed;
  const { from, to } = parsed.value;
  if (from && to && to < from)
    return { ok: false, problems: [{ path: 'to', message: `must not be before from (${from})` }] };
  return parsed;
}

/** Whether an entry falls under the filters (the chain or date range is chosen by the reader). */
export function matchesFilters(entry: TrailEntry, filters: ExportFilters): boolean {
  const detail = entry.detail as Record<string, unknown>;
  if (filters.projectId && entry.subject?.projectId !== filters.projectId) return false;
  const day = entry.at.slice(0, 10);
  if (filters.from && day < filters.from) return false;
  if (filters.to && day > filters.to) return false;
  if (filters.gateId && entry.subject?.gateId !== filters.gateId && detail.gateId !== filters.gateId)
    return false;
  if (filters.action && entry.action !== filters.action) return false;
  if (filters.approver) {
    const named = [entry.actor.id, detail.to, detail.from, detail.approver].map((v) =>
      String(v ?? '').toLowerCase(),
    );
    if (!named.includes(filters.approver)) return false;
  }
  return true;
}

/** The CSV columns, in order: one entry per record, its detail as JSON. */
export const CSV_COLUMNS = [
  'chain',
  'seq',
  'at',
  'action',
  'actor_type',
  'actor_id',
  'actor_sub',
  'actor_name',
  'actor_role',
  'project',
  'gate',
  'gate_instance',
  'definition',
  'source_ip',
  'user_agent',
  'package_hash',
  'signature',
  'detail',
  'prev_hash',
  'hash',
] as const;

/**
 * RFC 4180 (CRLF, quoted as needed) with formula injection escaped: a cell starting with
 * `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`, so a spreadsheet shows it as text. A lone
 * LF or CR in a cell is quoted too (csv-stringify stops quoting them once the record delimiter
 * is set, and an unquoted one would start a new row — whose first cell is not escaped).
 */
const CSV_OPTIONS = {
  escape_formulas: true,
  record_delimiter: '\r\n',
  quote_record_delimiter: true,
} as const;

export function csvHeader(): string {
  return stringify([[...CSV_COLUMNS]], CSV_OPTIONS);
}

/** A signature manifestation (21 CFR Part 11 §11.50) recorded with a vote, when there is one. */
function signatureOf(entry: TrailEntry): string {
  const signature = (entry.detail as { signature?: { name?: string; at?: string; meaning?: string } })
    .signature;
  return signature ? `${signature.name ?? ''}; ${signature.at ?? ''}; ${signature.meaning ?? ''}` : '';
}

export function csvRecord(entry: TrailEntry): string {
  return csvRecords([entry]);
}

/** Several entries at once: csv-stringify's sync API sets itself up per call, so a page per call. */
export function csvRecords(entries: readonly TrailEntry[]): string {
  if (entries.length === 0) return '';
  return stringify(entries.map(csvCells), CSV_OPTIONS);
}

function csvCells(entry: TrailEntry): unknown[] {
  return [
    entry.chain,
    entry.seq,
    entry.at,
    entry.action,
    entry.actor.type,
    entry.actor.id,
    entry.actor.sub ?? '',
    entry.actor.name ?? '',
    entry.actor.role ?? '',
    entry.subject?.projectId ?? '',
    entry.subject?.gateId ?? '',
    entry.subject?.sequence ?? '',
    entry.definition ? `${entry.definition.id} v${entry.definition.version}` : '',
    entry.source?.ip ?? '',
    entry.source?.userAgent ?? '',
    entry.packageHash ?? '',
    signatureOf(entry),
    JSON.stringify(entry.detail),
    entry.prevHash,
    entry.hash,
  ];
}

/**
 * JSON Lines: each entry with every field as chained. Not canonical: a verifier re-canonicalizes
 * each parsed line to recompute its hash, and the manifest covers the bytes as written.
 */
export function jsonlRecord(entry: TrailEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

export function exportHeader(format: ExportRequest['format']): string {
  return format === 'csv' ? csvHeader() : '';
}

export function exportRecord(format: ExportRequest['format'], entry: TrailEntry): string {
  return format === 'csv' ? csvRecord(entry) : jsonlRecord(entry);
}

/** A page of entries in the export's format (what the export job writes per page). */
export function exportRecords(format: ExportRequest['format'], entries: readonly TrailEntry[]): string {
  return format === 'csv' ? csvRecords(entries) : entries.map(jsonlRecord).join('');
}
