import type { Command } from 'commander';
import { stringify } from 'yaml';
import { api } from './api.ts';
import { type ConnectionOptions, connect, withConnection } from './connection.ts';
import { load } from './definitions.ts';
import { draftCommands } from './definitions-draft.ts';
import { dryRunCommand } from './definitions-dry-run.ts';
import { migrateCommand } from './definitions-migrate.ts';
import {
  type DefinitionChange,
  type DefinitionListing,
  type DefinitionOverview,
  type DraftAnswer,
  gatesTable,
  printChanges,
  published,
  title,
  type VersionAnswer,
} from './definitions-view.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { examples, jsonOption, output, positive, segment, table, when, who } from './format.ts';

/*
 * `tollgate defs list|show|diff|dry-run|draft|publish|migrate`: the definitions a PMO admin
 * manages, through the API by URL and token (never the tables). `defs validate` (definitions.ts)
 * and `defs diff --file a --file b` work on files, offline.
 */

type JsonOptions = ConnectionOptions & { json?: boolean };
const definitionPath = (id: string) => `/definitions/${segment(id)}`;

export function definitionAdminCommands(defs: Command): void {
  const list = withConnection(
    defs
      .command('list')
      .description('the published processes: current version, who published it, any draft')
      .addOption(jsonOption()),
  );
  examples(list, ['tollgate defs list', 'tollgate defs list --json | jq ".definitions[].id"']).action(
    async (options: JsonOptions, command: Command) => {
      const connection = await connect(options, command);
      const answer = await api<DefinitionListing>(connection, 'GET', '/definitions');
      output(answer, () => {
        if (answer.definitions.length === 0) return console.log('No process is published yet.');
        console.log(
          table(
            ['ID', 'NAME', 'CURRENT', 'PUBLISHED', 'DRAFT'],
            answer.definitions.map((d) => [
              d.id,
              d.name,
              d.current > 0 ? `v${d.current}` : 'not yet',
              published(d.published),
              d.draft
                ? `revision ${d.draft.revision}, ${when(d.draft.updatedAt)} by ${who(d.draft.updatedBy)}`
                : '-',
            ]),
          ),
        );
      });
    },
  );

  const show = withConnection(
    defs
      .command('show')
      .description(
        'one process: its current version (or --version N, or the --draft) with its gates and versions',
      )
      .argument('<id>', 'the process id (e.g. standard)')
      .option('--version <n>', 'this published version', positive)
      .option('--draft', 'the draft being edited (its problems and changes against the current version)')
      .option(
        '--yaml',
        'print the definition as YAML, to edit and `defs draft` again (a draft prints its file text as saved)',
      )
      .addOption(jsonOption()),
  );
  examples(show, [
    'tollgate defs show standard',
    'tollgate defs show standard --version 1 --yaml > standard.yaml',
    'tollgate defs show standard --draft',
  ]).action(
    async (
      id: string,
      options: JsonOptions & { version?: number; draft?: boolean; yaml?: boolean },
      command: Command,
    ) => {
      if (options.draft && options.version) throw usageError('give --version <n> or --draft, not both');
      if (options.yaml && options.json) throw usageError('give --yaml or --json, not both');
      const connection = await connect(options, command);
      if (options.draft) {
        const draft = await api<DraftAnswer>(connection, 'GET', `${definitionPath(id)}/draft`);
        // The text as the editor saved it, comments and all; else the definition as YAML.
        if (options.yaml) process.stdout.write(draft.source ?? (await yamlOf(draft.definition)));
        else {
          const located = await inSource(draft);
          output(draft, () => showDraft(id, draft, located));
        }
        return;
      }
      const overview = await api<DefinitionOverview>(connection, 'GET', definitionPath(id));
      const version = options.version ?? overview.current;
      if (version === 0) {
        // A new process: nothing published yet, only its draft.
        if (options.yaml)
          throw new CliError(
            EXIT.failed,
            `${id} has no published version yet: defs show ${id} --draft --yaml`,
          );
        output(overview, () =>
          console.log(`${id} has no published version yet; its draft: tollgate defs show ${id} --draft`),
        );
        return;
      }
      const shown = await api<VersionAnswer>(connection, 'GET', `${definitionPath(id)}/versions/${version}`);
      if (options.yaml) {
        process.stdout.write(await yamlOf(shown.definition));
        return;
      }
      output({ ...overview, version, ...shown }, () => {
        console.log(`${title(shown.definition)}, published ${published(shown.published)}`);
        console.log(`\n${gatesTable(shown.definition)}\n`);
        console.log(
          table(
            ['VERSION', 'NAME', 'PUBLISHED'],
            overview.versions.map((v) => [
              `v${v.version}${v.version === overview.current ? ' (current)' : ''}`,
              v.name,
              published(v.published),
            ]),
          ),
        );
        if (overview.draft)
          console.log(
            `\nA draft is being edited: revision ${overview.draft.revision}, ${when(overview.draft.updatedAt)} by ${who(overview.draft.updatedBy)} (defs show ${id} --draft).`,
          );
      });
    },
  );

  const diff = withConnection(
    defs
      .command('diff')
      .description(
        'what changed between two versions of a process (or a version and the draft), or between two files',
      )
      .argument('[id]', 'the process id')
      .argument('[from]', 'the older version', positive)
      .argument('[to]', 'the newer version, or "draft"', (v: string) => (v === 'draft' ? v : positive(v)))
      .option(
        '--file <file>',
        'compare two definition files instead, offline (give it twice)',
        (v, prev: string[] = []) => [...prev, v],
      )
      .addOption(jsonOption()),
  );
  examples(diff, [
    'tollgate defs diff standard 1 2',
    'tollgate defs diff standard 1 draft',
    'tollgate defs diff --file definitions/standard.yaml --file my-standard.yaml',
  ]).action(
    async (
      id: string | undefined,
      from: number | undefined,
      to: number | 'draft' | undefined,
      options: JsonOptions & { file?: string[] },
      command: Command,
    ) => {
      let answer: { from: unknown; to: unknown; changes: DefinitionChange[] };
      if (options.file) {
        const [before, after, ...rest] = options.file;
        if (!before || !after || rest.length > 0 || id !== undefined)
          throw usageError('give --file twice (the older file, then the newer), and no id');
        const [a, b] = await Promise.all([load(before), load(after)]);
        const { diffDefinitions } = await import('../../functions/domain/definition-diff.ts');
        answer = { from: before, to: after, changes: diffDefinitions(a, b) };
      } else {
        if (id === undefined || from === undefined || to === undefined)
          throw usageError('give <id> <from> <to|draft> (or --file <a> --file <b>)');
        const connection = await connect(options, command);
        answer = await api(connection, 'GET', `${definitionPath(id)}/diff?from=${from}&to=${to}`);
      }
      output(answer, () => {
        const name = (v: unknown) => (typeof v === 'number' ? `v${v}` : String(v));
        printChanges(`${id ? `${id} ` : ''}${name(answer.from)} → ${name(answer.to)}`, answer.changes);
      });
    },
  );

  dryRunCommand(defs);
  draftCommands(defs);
  migrateCommand(defs);
}

/**
 * A definition as YAML, its fields in the order a file has them (id, version, name, contacts…):
 * the stored item keeps no order, the schema does.
 */
async function yamlOf(definition: Record<string, unknown>): Promise<string> {
  const { parseProcessDefinition } = await import('../../functions/domain/definition-schema.ts');
  const parsed = parseProcessDefinition(definition);
  return stringify(parsed.ok ? parsed.value : definition);
}

/** The draft's problems with the line and column of its saved file text, when it has one. */
async function inSource(draft: DraftAnswer): Promise<string[]> {
  if (draft.source === undefined) return draft.problems.map((p) => `${p.path}: ${p.message}`);
  const { locateFileProblems } = await import('../../functions/domain/definition-file.ts');
  return locateFileProblems(draft.source, draft.problems).map(
    (p) => `line ${p.line}:${p.col} ${p.path}: ${p.message}`,
  );
}

function showDraft(id: string, draft: DraftAnswer, problems: string[]): void {
  const based = draft.basedOn === undefined ? '' : `, based on v${draft.basedOn}`;
  console.log(
    `Draft of ${id}: revision ${draft.revision}${based}, saved ${when(draft.updatedAt)} by ${who(draft.updatedBy)}`,
  );
  console.log(`\n${title(draft.definition)}\n${gatesTable(draft.definition)}\n`);
  if (draft.problems.length > 0) {
    console.log(
      `${draft.problems.length === 1 ? '1 problem' : `${draft.problems.length} problems`} (publishing refuses it until fixed):`,
    );
    for (const line of problems) console.log(`  ${line}`);
  } else printChanges('Against the current version', draft.changes);
}
