import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type YAMLError,
} from 'yaml';
import { type ProcessDefinition, parseProcessDefinition } from './definition-schema.ts';
import type { Problem } from './validation.ts';

/*
 * A process definition as a PMO admin keeps it: a YAML file (or JSON, which YAML reads as well).
 * Every problem names both the path in the definition and the line and column in the file, so
 * that an editor can jump to it. Pure: the caller reads the file. Not for Lambda handlers (the
 * API takes JSON bodies); only the CLI and the local runtime import it.
 */

/** A problem of a definition file: its path in the definition, where it is in the file (1-based). */
export interface FileProblem extends Problem {
  line: number;
  col: number;
}

export type ParsedFile<T> = { ok: true; value: T } | { ok: false; problems: FileProblem[] };

/** The path of a problem in the file's text itself, before there is a definition to name paths in. */
export const SYNTAX_PATH = '(syntax)';

/** Reads a definition from YAML or JSON text and validates it; problems sorted by where they are. */
export function parseDefinitionFile(text: string): ParsedFile<ProcessDefinition> {
  const read = readFile(text);
  if (!read.ok) return read;
  const parsed = parseProcessDefinition(read.value.input);
  if (parsed.ok) return parsed;
  return { ok: false, problems: locateIn(read.value, parsed.problems) };
}

/**
 * The data of a definition file before it is validated (a draft may be work in progress), or
 * the problems of its text. The CLI sends it to the API as a draft.
 */
export function readDefinitionData(text: string): ParsedFile<unknown> {
  const read = readFile(text);
  return read.ok ? { ok: true, value: read.value.input } : read;
}

/**
 * Where problems named by path (`gates.0.approvers`, as the API names them) are in the file's
 * text: the same places `parseDefinitionFile` gives, sorted. A path the file does not have is
 * shown at the nearest thing it does; text that does not parse places everything at 1:1.
 */
export function locateFileProblems(text: string, problems: readonly Problem[]): FileProblem[] {
  const read = readFile(text);
  if (!read.ok) return problems.map((p) => ({ ...p, line: 1, col: 1 }));
  return locateIn(read.value, problems);
}

interface ReadFile {
  doc: Document;
  lineCounter: LineCounter;
  input: unknown;
}

function readFile(text: string): ParsedFile<ReadFile> {
  const lineCounter = new LineCounter();
  // YAML 1.2 (the default): `no` and `2025-06-30` stay strings; a key given twice is an error.
  // logLevel 'error': nothing on the console; 'silent' would also drop the second-document error.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0)
    return {
      ok: false,
      problems: doc.errors.map((e) => ({ path: SYNTAX_PATH, message: syntaxMessage(e), ...at(e.pos[0]) })),
    };
  try {
    return { ok: true, value: { doc, lineCounter, input: doc.toJS({ maxAliasCount: 100 }) } };
  } catch (error) {
    // Aliases that would expand too far ("billion laughs").
    return {
      ok: false,
      problems: [
        { path: SYNTAX_PATH, message: error instanceof Error ? error.message : String(error), ...at(0) },
      ],
    };
  }
}

function locateIn({ doc, lineCounter }: ReadFile, problems: readonly Problem[]): FileProblem[] {
  const located = problems.flatMap((p) =>
    locate(doc, p).map(({ offset, ...q }) => ({ ...q, ...lineCounter.linePos(offset) })),
  );
  return located.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** `file:line:col path: message`, the form editors and CI logs link to the place. */
export function formatFileProblem(file: string, p: FileProblem): string {
  return `${file}:${p.line}:${p.col} ${p.path}: ${p.message}`;
}

function syntaxMessage(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') return 'a file holds one definition: remove the second document (---)';
  return error.message;
}

type Located = Problem & { offset: number };

/**
 * Where a problem is in the file: the node at its path, or the nearest enclosing one when the path
 * names something absent (a missing field). An unknown field becomes one problem per unknown key,
 * at the key.
 */
function locate(doc: Document, problem: Problem): Located[] {
  const segments = problem.path === '(root)' ? [] : problem.path.split('.');
  const found = nodeAt(doc, segments);
  const unknown = /^Unrecognized keys?: /.test(problem.message) && isMap(found.node) ? found.node : undefined;
  if (unknown) {
    // zod names the unknown keys in its message only, each in double quotes.
    const keys = unknown.items.flatMap((pair) =>
      isScalar(pair.key) && problem.message.includes(`"${String(pair.key.value)}"`)
        ? [{ name: String(pair.key.value), offset: pair.key.range?.[0] ?? 0 }]
        : [],
    );
    if (keys.length > 0)
      return keys.map(({ name, offset }) => ({
        path: [...segments, name].join('.'),
        message: 'is not a field of a definition here (misspelt, or in the wrong place?)',
        offset,
      }));
  }
  return [{ ...problem, offset: found.offset }];
}

/**
 * The deepest node along `segments`, and the offset to show for it: a scalar's own place, or the
 * key that introduces a collection (its line reads `gates:`, not the first item below).
 */
function nodeAt(doc: Document, segments: string[]): { node: unknown; offset: number } {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of segments) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      if (!pair) break;
      node = pair.value;
      const keyStart = rangeStart(pair.key);
      offset = (isScalar(node) ? rangeStart(node) : undefined) ?? keyStart ?? offset;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else break;
  }
  return { node: isAlias(node) ? node.resolve(doc) : node, offset };
}

function rangeStart(node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)
    ? (node.range[0] as number)
    : undefined;
}
