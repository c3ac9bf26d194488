import type { Command } from 'commander';
import type { FileProblem } from '../../functions/domain/definition-file.ts';
import { api } from './api.ts';
import { type Connection, type ConnectionOptions, connect, withConnection } from './connection.ts';
import { read } from './definitions.ts';
import {
  DEFINITION_ID,
  type DefinitionChange,
  type DraftAnswer,
  printChanges,
  target,
} from './definitions-view.ts';
import { CliError, EXIT, isJsonMode, type Problem } from './errors.ts';
import {
  examples,
  jsonOption,
  output,
  plural,
  positive,
  reasonOption,
  segment,
  when,
  who,
} from './format.ts';

/*
 * `tollgate defs draft <file>` saves a definition file as the process's draft (the file text
 * kept verbatim, comments and all, for the next editor); `tollgate defs publish` makes the draft
 * the next version. Both read the draft's revision first and send it back, so an edit made by
 * someone else in between is never overwritten: the API answers 409 and the command says who
 * changed what.
 */

/** PUT /definitions/{id}/draft keeps `source` up to 128 KB. */
const MAX_SOURCE_BYTES = 128 * 1024;

type Located = Problem & Partial<Pick<FileProblem, 'line' | 'col'>>;

interface Saved {
  id: string;
  file: string;
  revision: number;
  problems: Located[];
  changes: DefinitionChange[];
}

interface DraftOptions extends ConnectionOptions {
  reason?: string;
  revision?: number;
  json?: boolean;
}

export function draftCommands(defs: Command): void {
  const draft = withConnection(
    defs
      .command('draft')
      .description(
        "save a definition file (YAML or JSON) as its process's draft; problems are printed at their file:line:col (a draft with problems is kept, but cannot be published)",
      )
      .argument('<file>', 'the definition file; its `id` names the process (a new id starts a new process)')
      .addOption(reasonOption(false))
      .option(
        '--revision <n>',
        'the draft revision your file is based on (default: the one saved now)',
        positive,
      )
      .addOption(jsonOption()),
  );
  examples(draft, [
    'tollgate defs show standard --yaml > standard.yaml   # edit it, raise `version`, then:',
    'tollgate defs draft standard.yaml --reason "small projects skip the launch gate"',
  ]).action(async (file: string, options: DraftOptions, command: Command) => {
    const connection = await connect(options, command);
    const saved = await saveDraft(connection, file, options);
    output({ ok: saved.problems.length === 0, ...saved }, () => {
      if (saved.problems.length > 0) return printProblems(saved, 'kept');
      console.log(`Saved ${file} as the draft of ${saved.id}, revision ${saved.revision}.`);
      printChanges('Against the current version', saved.changes);
    });
    if (saved.problems.length > 0) process.exitCode = EXIT.failed;
  });

  const publish = withConnection(
    defs
      .command('publish')
      .description(
        "publish a process's draft as its next version (or, given a file, save it as the draft and publish it in one go)",
      )
      .argument(
        '<id|file>',
        'a process id (publishes its draft) or a definition file (anything that is not an id)',
      )
      .addOption(reasonOption())
      .option(
        '--revision <n>',
        'publish only if the draft is still at this revision (default: the one read now)',
        positive,
      )
      .addOption(jsonOption()),
  );
  examples(publish, [
    'tollgate defs publish standard --reason "approved by the PMO board on 2025-03-10"',
    'tollgate defs publish standard.yaml --reason "small projects skip the launch gate"',
  ]).action(async (what: string, options: DraftOptions & { reason: string }, command: Command) => {
    const connection = await connect(options, command);
    const named = target(what);
    let saved: Saved | undefined;
    let id: string;
    let revision: number;
    if (named.kind === 'file') {
      saved = await saveDraft(connection, named.file, options);
      if (saved.problems.length > 0) {
        output({ ok: false, published: false, ...saved }, () =>
          printProblems(saved as Saved, 'not published'),
        );
        process.exitCode = EXIT.failed;
        return;
      }
      ({ id, revision } = saved);
    } else {
      if (named.version !== undefined)
        throw new CliError(EXIT.usage, `give the process id alone (${named.id}): its draft is published`);
      id = named.id;
      const read = options.revision ?? (await draftRevision(connection, id));
      if (read === undefined)
        throw new CliError(
          EXIT.failed,
          `${id} has no draft to publish: save one first (tollgate defs draft <file>)`,
        );
      revision = read;
    }
    const answer = await api<{ id: string; version: number; changes: DefinitionChange[] }>(
      connection,
      'POST',
      `/definitions/${segment(id)}/publish`,
      { revision, reason: options.reason },
    ).catch((error: unknown) => {
      throw conflict(error, id, revision);
    });
    output({ ok: true, ...answer, revision, ...(saved ? { file: saved.file } : {}) }, () => {
      console.log(`Published ${answer.id} v${answer.version} (draft revision ${revision}).`);
      printChanges('What changed', answer.changes);
    });
  });
}

/**
 * Reads the file, saves it as the draft at the revision read (or given), and maps the API's
 * problems (paths in the definition) to the file's lines.
 */
async function saveDraft(connection: Connection, file: string, options: DraftOptions): Promise<Saved> {
  const text = await read(file);
  const { locateFileProblems, parseDefinitionFile, readDefinitionData } = await import(
    '../../functions/domain/definition-file.ts'
  );
  const data = readDefinitionData(text);
  if (!data.ok) throw fileProblems(file, 'does not parse: nothing was saved', data.problems);
  const id = (data.value as { id?: unknown } | null)?.id;
  const parsed = parseDefinitionFile(text);
  if (typeof id !== 'string' || !DEFINITION_ID.test(id))
    throw fileProblems(
      file,
      'names no valid process `id`: nothing was saved',
      parsed.ok ? [] : parsed.problems,
    );
  // A valid file goes as the schema reads it (defaults filled in); a work in progress as written.
  const definition = parsed.ok ? parsed.value : data.value;
  const source = Buffer.byteLength(text) <= MAX_SOURCE_BYTES ? text : undefined;
  if (source === undefined && !isJsonMode())
    console.error(`tollgate: ${file} is over 128 KB: the draft keeps the definition, not the file's text`);
  const revision = options.revision ?? (await draftRevision(connection, id));
  const answer = await api<{ revision: number; problems?: Problem[]; changes?: DefinitionChange[] }>(
    connection,
    'PUT',
    `/definitions/${segment(id)}/draft`,
    {
      definition,
      ...(source === undefined ? {} : { source }),
      ...(revision === undefined ? {} : { revision }),
      ...(options.reason ? { reason: options.reason } : {}),
    },
  ).catch((error: unknown) => {
    if (error instanceof CliError && error.problems.length > 0 && error.status === 400)
      throw new CliError(
        EXIT.failed,
        error.message,
        inFile(text, error.problems, locateFileProblems).map((p) => ({
          path: at(file, p),
          message: p.message,
        })),
        400,
        error.answer,
      );
    throw conflict(error, id, revision);
  });
  return {
    id,
    file,
    revision: answer.revision,
    problems: inFile(text, answer.problems ?? [], locateFileProblems),
    changes: answer.changes ?? [],
  };
}

/** The draft's revision now; none when there is no draft (a PUT without one creates it). */
async function draftRevision(connection: Connection, id: string): Promise<number | undefined> {
  try {
    const draft = await api<Partial<DraftAnswer>>(connection, 'GET', `/definitions/${segment(id)}/draft`);
    return typeof draft.revision === 'number' ? draft.revision : undefined;
  } catch (error) {
    if (error instanceof CliError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * Problems the API names by path, placed in the file. Paths of the body's other parts
 * (`revision`, `source`) stay as they are; `definition.x` is `x` in the file.
 */
function inFile(
  text: string,
  problems: readonly Problem[],
  locate: (text: string, problems: readonly Problem[]) => FileProblem[],
): Located[] {
  const inDefinition = (p: Problem) => !/^(revision|source|reason)(\.|$)/.test(p.path);
  const strip = (p: Problem) => ({
    ...p,
    path: p.path === 'definition' ? '(root)' : p.path.replace(/^definition\./, ''),
  });
  const located = locate(text, problems.filter(inDefinition).map(strip));
  return [...located, ...problems.filter((p) => !inDefinition(p))];
}

function printProblems(saved: Saved, what: 'kept' | 'not published'): void {
  const head =
    what === 'kept'
      ? `Saved ${saved.file} as the draft of ${saved.id}, revision ${saved.revision}, but it has ${plural(saved.problems.length, 'problem')}: it cannot be published until they are fixed.`
      : `Saved ${saved.file} as the draft of ${saved.id}, revision ${saved.revision}, but did not publish it: ${plural(saved.problems.length, 'problem')}.`;
  console.log(head);
  for (const p of saved.problems) console.log(`${at(saved.file, p)}: ${p.message}`);
}

/** `file:line:col path`, or the path alone for a problem that is not in the file. */
const at = (file: string, p: Located) =>
  p.line === undefined ? p.path : `${file}:${p.line}:${p.col} ${p.path}`;

function fileProblems(file: string, what: string, problems: readonly FileProblem[]): CliError {
  return new CliError(
    EXIT.failed,
    `${file} ${what}`,
    problems.map((p) => ({ path: `${file}:${p.line}:${p.col} ${p.path}`, message: p.message })),
  );
}

/** A 409 about the draft's revision: who changed it, when, and what their edit changed. */
function conflict(error: unknown, id: string, revision: number | undefined): unknown {
  if (!(error instanceof CliError) || error.status !== 409) return error;
  const answer = error.answer as { current?: unknown; changes?: unknown } | undefined;
  // Other 409s (a version not above the current one) say all in their message.
  if (typeof answer?.current !== 'object' || answer.current === null) return error;
  const current = answer.current as {
    revision?: number;
    updatedBy?: unknown;
    updatedByName?: string;
    updatedAt?: string;
    publishedAs?: number;
  };
  const by = current.updatedByName
    ? `${current.updatedByName} <${who(current.updatedBy)}>`
    : who(current.updatedBy);
  const changes = Array.isArray(answer.changes) ? (answer.changes as DefinitionChange[]) : [];
  const message =
    current.publishedAs !== undefined
      ? `revision ${current.revision} of the draft of ${id} was published as v${current.publishedAs} (saved by ${by} at ${when(current.updatedAt)}): nothing was done. Start a new draft from your file (tollgate defs draft <file>).`
      : `the draft of ${id} was changed by ${by} at ${when(current.updatedAt)} ${revision === undefined ? 'while you started one' : `since revision ${revision}`}; it is now revision ${current.revision}. Nothing was saved: look at it (tollgate defs show ${id} --draft), bring your file up to date, and run again.${changes.length ? ' Their edit changed:' : ''}`;
  return new CliError(
    EXIT.failed,
    message,
    changes.map((c) => ({ path: c.path, message: c.what })),
    409,
    error.answer,
  );
}
