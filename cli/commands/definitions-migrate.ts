import { type Command, Option } from 'commander';
import type { MigratedProject } from '../../functions/usecases/migration.ts';
import { api } from './api.ts';
import { type ConnectionOptions, connect, withConnection } from './connection.ts';
import { EXIT, usageError } from './errors.ts';
import { examples, jsonOption, output, plural, positive, reasonOption, segment, table } from './format.ts';
import { progress } from './progress.ts';

/*
 * `tollgate defs migrate`: moves running projects from one published version to a later one
 * (POST /definitions/{id}/migrations). A gate already open keeps the rules it opened with; the
 * new version applies from the next gate. --dry-run shows per project what would change and
 * writes nothing. Any project refused makes the command exit 1.
 */

/** The API takes up to 100 project ids in one call. */
const MAX_PROJECTS = 100;

interface MigrateOptions extends ConnectionOptions {
  from: number;
  to: number;
  project?: string[];
  dryRun?: boolean;
  reason: string;
  json?: boolean;
}

export function migrateCommand(defs: Command): void {
  const migrate = withConnection(
    defs
      .command('migrate')
      .description(
        'move running projects from one version of a process to a later one (open gates keep their rules; the new version applies from the next gate)',
      )
      .argument('<id>', 'the process id')
      .addOption(
        new Option('--from <n>', 'the version the projects are on').argParser(positive).makeOptionMandatory(),
      )
      .addOption(
        new Option('--to <n>', 'the version to move them to (later than --from)')
          .argParser(positive)
          .makeOptionMandatory(),
      )
      .option(
        '--project <id>',
        `only this project (repeat, up to ${MAX_PROJECTS}); default: every active project on --from`,
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option('--dry-run', 'say what would change for each project, and write nothing')
      .addOption(reasonOption())
      .addOption(jsonOption()),
  );
  examples(migrate, [
    'tollgate defs migrate standard --from 1 --to 2 --dry-run --reason "check before the PMO board"',
    'tollgate defs migrate standard --from 1 --to 2 --project 3f6c…e1 --reason "the board moved this project to v2"',
  ]).action(async (id: string, options: MigrateOptions, command: Command) => {
    if (options.to <= options.from)
      throw usageError(`--to ${options.to} must be later than --from ${options.from}`);
    if ((options.project?.length ?? 0) > MAX_PROJECTS)
      throw usageError(`at most ${MAX_PROJECTS} --project at once (run it again for the rest)`);
    const connection = await connect(options, command);
    const stop = options.json
      ? undefined
      : progress()?.spin(
          `${options.dryRun ? 'trying' : 'migrating'} ${id} v${options.from} → v${options.to}`,
        );
    const answer = await api<{ dryRun: boolean; projects: MigratedProject[]; more?: boolean; note?: string }>(
      connection,
      'POST',
      `/definitions/${segment(id)}/migrations`,
      {
        fromVersion: options.from,
        toVersion: options.to,
        ...(options.project ? { projectIds: options.project } : {}),
        dryRun: Boolean(options.dryRun),
        reason: options.reason,
      },
    ).finally(() => stop?.());
    const refused = answer.projects.filter((p) => p.refused !== undefined);
    output(answer, () => {
      print(id, options, answer.projects);
      // The API takes a bounded number of projects per call.
      if (answer.more) console.log(`More projects remain: ${answer.note ?? 'run it again for the rest'}.`);
    });
    if (refused.length > 0) process.exitCode = EXIT.failed;
  });
}

function print(id: string, options: MigrateOptions, projects: MigratedProject[]): void {
  const span = `${id} v${options.from} → v${options.to}`;
  if (projects.length === 0) {
    console.log(`No active project is on ${id} v${options.from}: nothing to migrate.`);
    return;
  }
  const state = (p: MigratedProject) =>
    p.refused !== undefined
      ? 'refused'
      : p.migrated
        ? 'migrated'
        : options.dryRun
          ? 'would migrate'
          : 'not migrated';
  console.log(
    table(
      ['PROJECT', 'TITLE', 'STATUS', 'RESULT'],
      projects.map((p) => [p.projectId, p.title, p.status, state(p)]),
    ),
  );
  for (const p of projects) {
    const lines = p.refused !== undefined ? [`refused: ${p.refused}`, ...p.changes] : p.changes;
    console.log(`\n${p.projectId} "${p.title}":${lines.length ? '' : ' no changes'}`);
    for (const line of lines) console.log(`  - ${line}`);
  }
  const refused = projects.filter((p) => p.refused !== undefined).length;
  const moved = projects.filter((p) => p.migrated).length;
  console.log(
    options.dryRun
      ? `\nDry run of ${span}: ${plural(projects.length - refused, 'project')} would move, ${refused} refused. Nothing was written.`
      : `\n${span}: ${plural(moved, 'project')} migrated, ${refused} refused.`,
  );
}
