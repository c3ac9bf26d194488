import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessDefinition } from '../../functions/domain/definition.ts';
import { formatFileProblem, parseDefinitionFile } from '../../functions/domain/definition-file.ts';
import type { LocalPerson } from './auth.ts';

/** The people `npm start` seeds into the directory, one per kind of user, so anyone can try each role. */
export const DEMO_PEOPLE = {
  requester: { email: 'riley.requester@example.com', name: 'Riley Requester', groups: ['requester'] },
  manager: { email: 'morgan.manager@example.com', name: 'Morgan Manager', groups: ['requester'] },
  sponsor: { email: 'sam.sponsor@example.com', name: 'Sam Sponsor', groups: [] },
  finance: { email: 'fay.finance@example.com', name: 'Fay Finance', groups: [] },
  operations: { email: 'omar.operations@example.com', name: 'Omar Operations', groups: [] },
  pmoAdmin: { email: 'pat.pmo@example.com', name: 'Pat PMO', groups: ['pmo-admin'] },
  compliance: { email: 'casey.compliance@example.com', name: 'Casey Compliance', groups: ['compliance'] },
} satisfies Record<string, LocalPerson>;

/** The process definitions `npm start` publishes: files a PMO admin keeps, in `definitions/`. */
export const DEFINITIONS_DIR = fileURLToPath(new URL('../../definitions/', import.meta.url));

/** A definition file, validated; a broken one stops the start, each problem at its line. */
export function readDefinitionFile(file: string): ProcessDefinition {
  const parsed = parseDefinitionFile(readFileSync(file, 'utf8'));
  if (parsed.ok) return parsed.value;
  const problems = parsed.problems.map((p) => `  ${formatFileProblem(file, p)}`);
  throw new Error(`${file} is not a valid definition:\n${problems.join('\n')}`);
}

/** Every definition file (.yaml, .yml, .json) of a folder, in name order. */
export function readDefinitionFiles(
  dir = DEFINITIONS_DIR,
): { file: string; definition: ProcessDefinition }[] {
  return readdirSync(dir)
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort()
    .map((name) => ({ file: join(dir, name), definition: readDefinitionFile(join(dir, name)) }));
}

/**
 * The PMO's default process (`standard`), from definitions/standard.yaml: an idea screen straight
 * from intake, then two stages whose deliverables open the next gate. Small projects skip the
 * business case gate. Tests and the console build on it.
 */
export const DEMO_DEFINITION: ProcessDefinition = readDefinitionFile(join(DEFINITIONS_DIR, 'standard.yaml'));

/**
 * The same process for regulated work (definitions/regulated.yaml): every gate asks for an
 * e-signature (password and an authenticator code), so the demo shows what a Part 11 signing
 * looks like. Enrol the approvers on the console first.
 */
export const DEMO_REGULATED_DEFINITION: ProcessDefinition = readDefinitionFile(
  join(DEFINITIONS_DIR, 'regulated.yaml'),
);
