import { stringify } from 'yaml';

/*
 * A definition as the editor and the side-by-side diff show it: YAML with the keys in the order
 * the definition files use (the table keeps no key order), long texts on one line (a diff then
 * marks the line that changed, not a refolded paragraph).
 */

const ORDER = [
  'id',
  'version',
  'name',
  'label',
  'type',
  'required',
  'role',
  'email',
  'kind',
  'count',
  'percent',
  'text',
  'weight',
  'min',
  'max',
  'maxLength',
  'choices',
  'contacts',
  'pmo',
  'escalation',
  'intake',
  'fields',
  'gates',
  'ask',
  'opens',
  'skipWhen',
  'deliverables',
  'criteria',
  'mustMeet',
  'shouldMeet',
  'threshold',
  'approvers',
  'rule',
  'sla',
  'decideWithinHours',
  'remindAfterHours',
  'escalateAfterHours',
  'atDeadline',
  'esignature',
  'closeOut',
  'checklist',
];

function rank(key: string): number {
  const at = ORDER.indexOf(key);
  return at === -1 ? ORDER.length : at;
}

/** The same data with every object's keys in the files' order (unknown keys last, by name). */
export function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(keys.map((k) => [k, ordered((value as Record<string, unknown>)[k])]));
}

export function definitionYaml(definition: unknown): string {
  return stringify(ordered(definition), { lineWidth: 0 });
}
