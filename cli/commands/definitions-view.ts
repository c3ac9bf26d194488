import type { DefinitionChange } from '../../functions/domain/definition-diff.ts';
import type { Problem } from './errors.ts';
import { table, when, who } from './format.ts';

/*
 * What the definition commands share: the API's answers (admin contract), how a definition, a
 * list of changes and problems read on a terminal, and how a command-line target names a
 * definition (an id, `id@2`, `id@draft`) or a file.
 */

export type { DefinitionChange };

type Published = { at: string; by: unknown } | string | null;

export interface DraftSummary {
  revision: number;
  updatedAt: string;
  /** The e-mail of who saved it (`updatedByName` their name). */
  updatedBy: unknown;
  updatedByName?: string;
}

export interface DefinitionListing {
  definitions: {
    id: string;
    name: string;
    current: number;
    /** Absent for a process that has only a draft (`current` 0). */
    published?: Published;
    draft?: DraftSummary;
  }[];
}

export interface DefinitionOverview {
  id: string;
  name: string;
  current: number;
  versions: { version: number; name: string; published?: Published }[];
  draft?: DraftSummary;
}

export interface VersionAnswer {
  definition: Record<string, unknown>;
  published: Published;
}

export interface DraftAnswer {
  revision: number;
  basedOn?: number;
  definition: Record<string, unknown>;
  source?: string;
  updatedAt: string;
  updatedBy: unknown;
  problems: Problem[];
  changes: DefinitionChange[];
}

/** The slug of a definition id (functions/http/paths.ts `definitionId`). */
export const DEFINITION_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * What a command-line target names. Anything that is not an id (with `@version` or `@draft`)
 * is a file: ids are lower-case letters, digits and dashes, so a file with an extension or a
 * path never reads as one (`./standard` for a file with neither).
 */
export function target(
  value: string,
): { kind: 'file'; file: string } | { kind: 'id'; id: string; version?: number | 'draft' } {
  const match = /^([a-z0-9][a-z0-9-]{0,62})(?:@([1-9][0-9]{0,5}|draft))?$/.exec(value);
  if (!match?.[1]) return { kind: 'file', file: value };
  const version = match[2];
  return {
    kind: 'id',
    id: match[1],
    ...(version === undefined ? {} : { version: version === 'draft' ? 'draft' : Number(version) }),
  };
}

const MARK = { added: '+', removed: '-', changed: '~' } as const;

/** One line per change: `+ path  what`, aligned. */
export function changeLines(changes: readonly DefinitionChange[]): string {
  return table(
    ['', 'PATH', 'CHANGE'],
    changes.map((c) => [MARK[c.kind] ?? '~', c.path, c.what]),
  )
    .split('\n')
    .slice(1)
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Changes under a heading, or a sentence saying there are none. */
export function printChanges(heading: string, changes: readonly DefinitionChange[]): void {
  if (changes.length === 0) {
    console.log(`${heading}: no changes.`);
    return;
  }
  console.log(`${heading}: ${changes.length === 1 ? '1 change' : `${changes.length} changes`}`);
  console.log(changeLines(changes));
}

/** When and by whom, from `{at, by}` (or a bare instant). */
export function published(p: Published | undefined): string {
  if (!p) return '-';
  return typeof p === 'string' ? when(p) : `${when(p.at)} by ${who(p.by)}`;
}

type Loose = Record<string, unknown>;
const list = (value: unknown): Loose[] =>
  Array.isArray(value) ? value.filter((v): v is Loose => typeof v === 'object' && v !== null) : [];
const text = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '-';

/**
 * A definition's gates as a table. Read loosely: a draft may be work in progress, with
 * anything missing.
 */
export function gatesTable(definition: Loose): string {
  const rows = list(definition.gates).map((gate, i) => {
    const rule = (gate.rule ?? {}) as Loose;
    const sla = (gate.sla ?? {}) as Loose;
    const approvers = list(gate.approvers).map((a) => (a.role === 'sponsor' ? 'sponsor' : text(a.email)));
    return [
      String(i + 1),
      text(gate.id),
      text(gate.name),
      text(gate.opens ?? 'on-submission'),
      approvers.join(', ') || '-',
      rule.kind === 'quorum'
        ? `quorum ${text(rule.count)}`
        : rule.kind === 'percentage'
          ? `${text(rule.percent)}%`
          : text(rule.kind),
      sla.decideWithinHours === undefined ? '-' : `${text(sla.decideWithinHours)}h → ${text(sla.atDeadline)}`,
      typeof gate.skipWhen === 'string' ? gate.skipWhen : '-',
    ];
  });
  return table(['#', 'GATE', 'NAME', 'OPENS', 'APPROVERS', 'RULE', 'DEADLINE', 'SKIP WHEN'], rows);
}

/** The head line of a definition: `standard v2 "Standard project lifecycle"`. */
export function title(definition: Loose): string {
  return `${text(definition.id)} v${text(definition.version)} "${text(definition.name)}"`;
}
