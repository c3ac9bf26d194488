import type { Command } from 'commander';
import type { ProcessDefinition } from '../../functions/domain/definition.ts';
import type { DryRunGate, DryRunResult } from '../../functions/domain/dry-run.ts';
import { api } from './api.ts';
import { type Connection, type ConnectionOptions, connect, withConnection } from './connection.ts';
import { load } from './definitions.ts';
import { type DefinitionOverview, type DraftAnswer, target, type VersionAnswer } from './definitions-view.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { email, examples, instant, jsonOption, output, segment, table, when } from './format.ts';

/*
 * `tollgate defs dry-run`: what a process would do to a sample proposal: which gates open or
 * are skipped, who is asked, by what rule, and when reminders, escalation and deadline fall.
 *
 * Where it runs: a published version or the draft (`id`, `id@2`, `id@draft`) always through the
 * API. A file too, when there is a token (--token, TOLLGATE_TOKEN or --as), because the API reads
 * the people directory: an approver away that day shows their delegate. Without a token, or with
 * --offline, a file is tried on this machine (functions/domain/dry-run.ts), without the directory,
 * and the output says so.
 */

interface DryRunOptions extends ConnectionOptions {
  sponsor: string;
  requester?: string;
  field?: string[];
  at?: string;
  offline?: boolean;
  json?: boolean;
}

type Shown = DryRunResult & { offline?: boolean };

export function dryRunCommand(defs: Command): void {
  const dryRun = withConnection(
    defs
      .command('dry-run')
      .description('try a process on a sample proposal: gates opened or skipped, who is asked, the timeline')
      .argument(
        '<target>',
        'a definition file, or a process: <id> (current version), <id>@<version>, <id>@draft',
      )
      .requiredOption('--sponsor <email>', "the proposal's sponsor", email)
      .option('--requester <email>', 'who submits it (separation of duties is checked against them)', email)
      .option(
        '--field <key=value>',
        'an intake field (repeat for each); numbers are read as numbers where the process says so',
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option('--at <iso>', 'when the first gate would open (default: now)', instant)
      .option('--offline', 'try a file on this machine (no directory: out-of-office is not applied)')
      .addOption(jsonOption())
      .addHelpText(
        'after',
        '\nWhere it runs: a process (<id>, <id>@<version>, <id>@draft) through the API. A file through the API\ntoo when there is a token (--token, TOLLGATE_TOKEN or --as), so the people directory applies (an\napprover away that day shows their delegate); without one, or with --offline, on this machine.',
      ),
  );
  examples(dryRun, [
    'tollgate defs dry-run standard --sponsor sam.sponsor@example.com --field estimatedCost=20000 --field risk=low',
    'tollgate defs dry-run standard@draft --sponsor sam.sponsor@example.com --field estimatedCost=900000 --field risk=high --at 2025-08-04T09:00:00Z',
    'tollgate defs dry-run my-standard.yaml --offline --sponsor sam.sponsor@example.com --field estimatedCost=1 --field risk=low',
  ]).action(async (what: string, options: DryRunOptions, command: Command) => {
    const raw = fieldPairs(options.field ?? []);
    const named = target(what);
    const hasToken = Boolean(options.token || options.as);
    const proposal = (definition: ProcessDefinition | Record<string, unknown>) => ({
      sponsorEmail: options.sponsor,
      ...(options.requester ? { requesterEmail: options.requester } : {}),
      fields: typed(definition, raw),
    });
    const startAt = options.at ?? new Date().toISOString();
    let result: Shown;
    let about: string;
    if (named.kind === 'file') {
      const definition = await load(named.file);
      about = `${named.file} (${definition.id} v${definition.version})`;
      if (options.offline || !hasToken) {
        const { dryRun } = await import('../../functions/domain/dry-run.ts');
        result = { ...dryRun({ definition, proposal: proposal(definition), startAt }), offline: true };
      } else {
        const connection = await connect(options, command);
        result = await api(connection, 'POST', '/definitions/dry-run', {
          definition,
          proposal: proposal(definition),
          startAt,
        });
      }
    } else {
      if (options.offline) throw usageError('--offline works on a file; a process is read through the API');
      const connection = await connect(options, command);
      const { definition, version } = await definitionOf(connection, named.id, named.version);
      about = `${named.id} ${version === 'draft' ? 'draft' : `v${version}`}`;
      result = await api(connection, 'POST', '/definitions/dry-run', {
        definitionId: named.id,
        version,
        proposal: proposal(definition),
        startAt,
      });
    }
    if (!result.ok) throw new CliError(EXIT.failed, `the dry run of ${about} has problems`, result.problems);
    output(result, () => print(about, options, startAt, result));
  });
}

/** `key=value` pairs; a value may hold `=`. */
function fieldPairs(pairs: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw usageError(`--field ${pair}: give key=value (e.g. --field risk=low)`);
    fields[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return fields;
}

/** Values as the process types them: a number field gets a number (the API takes JSON numbers only). */
function typed(definition: ProcessDefinition | Record<string, unknown>, raw: Record<string, string>) {
  const intake = (definition as { intake?: { fields?: { id?: unknown; type?: unknown }[] } }).intake;
  const specs = Array.isArray(intake?.fields) ? intake.fields : [];
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => {
      const spec = specs.find((f) => f.id === key);
      const n = Number(value);
      return [key, spec?.type === 'number' && value.trim() !== '' && Number.isFinite(n) ? n : value];
    }),
  );
}

/** The definition a dry run will use, to know its fields' types; the current version by default. */
async function definitionOf(
  connection: Connection,
  id: string,
  version: number | 'draft' | undefined,
): Promise<{ definition: Record<string, unknown>; version: number | 'draft' }> {
  const path = `/definitions/${segment(id)}`;
  if (version === 'draft') {
    const draft = await api<DraftAnswer>(connection, 'GET', `${path}/draft`);
    return { definition: draft.definition, version };
  }
  const number = version ?? (await api<DefinitionOverview>(connection, 'GET', path)).current;
  const shown = await api<VersionAnswer>(connection, 'GET', `${path}/versions/${number}`);
  return { definition: shown.definition, version: number };
}

function print(about: string, options: DryRunOptions, startAt: string, result: Shown): void {
  if (!result.ok) return;
  console.log(
    `Dry run of ${about} for a proposal sponsored by ${options.sponsor}, opening ${when(startAt)}:\n`,
  );
  console.log(
    table(
      ['#', 'GATE', 'OUTCOME', 'APPROVERS (ASKED)', 'RULE', 'DEADLINE'],
      result.gates.map((g) => [
        String(g.position),
        g.gateId,
        g.outcome === 'skipped' ? `skipped (${g.skipRule ?? 'skip rule'})` : `opens ${g.opens ?? ''}`.trim(),
        approvers(g),
        g.rule ?? '-',
        deadline(g),
      ]),
    ),
  );
  for (const gate of result.gates.filter((g) => g.timeline?.length)) {
    console.log(`\n${gate.position} ${gate.gateId}${gate.esignature ? ' (e-signature)' : ''}:`);
    if (gate.deliverables?.length) console.log(`  deliverables: ${gate.deliverables.join(', ')}`);
    const rows = (gate.timeline ?? []).map((t) => [`+${t.offsetHours}h`, when(t.at), t.detail]);
    console.log(indent(table(['AFTER', 'AT', 'WHAT'], rows)));
  }
  const { closeOut } = result;
  console.log(
    `\nClose-out: ${closeOut.checklist.length} checklist items, decided within ${closeOut.decideWithinHours}h${closeOut.remindAfterHours ? `, reminders every ${closeOut.remindAfterHours}h` : ''}.`,
  );
  const notes = result.offline
    ? [...result.notes, 'Tried on this machine: the people directory was not read, so nobody shows as away.']
    : result.notes;
  if (notes.length) console.log(`\nNotes:\n${notes.map((n) => `  - ${n}`).join('\n')}`);
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

function approvers(gate: DryRunGate): string {
  if (!gate.approvers?.length) return '-';
  return gate.approvers
    .map((a) =>
      a.asked === a.email ? a.email : `${a.email} → ${a.asked}${a.because ? ` (${a.because})` : ''}`,
    )
    .join(', ');
}

function deadline(gate: DryRunGate): string {
  const last = gate.timeline?.find((t) => t.what === 'deadline');
  return last ? `+${last.offsetHours}h` : '-';
}
