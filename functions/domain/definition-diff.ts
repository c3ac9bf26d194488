import type { ApproverSpec, GateDefinition, ProcessDefinition, VoteRule } from './definition.ts';
import { parseExpression, printExpression } from './expression.ts';
import type { FieldSpec } from './fields.ts';
import { OUTCOME_LABELS } from './outcomes.ts';

/*
 * What changed between two versions of a process, as a PMO admin reads it before publishing:
 * one sentence per change, in the order of the document. Items of a list (fields, gates,
 * deliverables, criteria, approvers, checklist items) are matched by id, never by position,
 * so that inserting a gate reads as one gate added rather than every later gate changed.
 * Pure; `version` is left out, since it moves with every publication.
 */

export interface DefinitionChange {
  /** The dotted path in the after document; a removed thing's path in the before document. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  /** One sentence, e.g. `Gate "launch" (Go to launch): rule changed from all to quorum of 1`. */
  what: string;
  before?: unknown;
  after?: unknown;
}

type Change = DefinitionChange;

/** Where a thing sits in each document (the same place, in a gate that moved, is not the same path). */
interface At {
  before: string;
  after: string;
}

const within = (at: At, key: string | number): At => ({
  before: `${at.before}.${key}`,
  after: `${at.after}.${key}`,
});

/** A text shown inside a sentence: quoted, on one line, and cut where it would drown the sentence. */
function quote(text: string): string {
  const chars = Array.from(text);
  return JSON.stringify(chars.length > 80 ? `${chars.slice(0, 79).join('')}…` : text);
}

const hours = (n: number) => `${n} hours`;
const outcome = (o: keyof typeof OUTCOME_LABELS) => OUTCOME_LABELS[o];

function describeRule(rule: VoteRule): string {
  switch (rule.kind) {
    case 'quorum':
      return `quorum of ${rule.count}`;
    case 'percentage':
      return `${rule.percent}% of approvers`;
    default:
      return rule.kind;
  }
}

/**
 * One setting that may be absent on either side. `arrow`: numbers read best as `60 → 50`;
 * anything else as "changed from … to …".
 */
function setting<T>(
  at: At,
  subject: string,
  before: T | undefined,
  after: T | undefined,
  show: (value: T) => string,
  style: 'arrow' | 'words' = 'words',
): Change[] {
  if (before === undefined && after === undefined) return [];
  if (before === undefined)
    return [{ path: at.after, kind: 'added', what: `${subject} set to ${show(after as T)}`, after }];
  if (after === undefined)
    return [{ path: at.before, kind: 'removed', what: `${subject} removed (was ${show(before)})`, before }];
  // Lists (a field's choices) of strings compare by their items.
  if (before === after || (Array.isArray(before) && JSON.stringify(before) === JSON.stringify(after)))
    return [];
  const what =
    style === 'arrow'
      ? `${subject} ${show(before)} → ${show(after)}`
      : `${subject} changed from ${show(before)} to ${show(after)}`;
  return [{ path: at.after, kind: 'changed', what, before, after }];
}

/** The longest run of keys kept in the same relative order: everything else common to both moved. */
function unmoved(before: readonly string[], after: readonly string[]): Set<string> {
  const n = before.length;
  const m = after.length;
  const table = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  const cell = (i: number, j: number) => table[i]?.[j] ?? 0;
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) {
      const row = table[i] as number[];
      row[j] = before[i] === after[j] ? cell(i + 1, j + 1) + 1 : Math.max(cell(i + 1, j), cell(i, j + 1));
    }
  const kept = new Set<string>();
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (before[i] === after[j]) {
      kept.add(before[i] as string);
      i++;
      j++;
    } else if (cell(i + 1, j) >= cell(i, j + 1)) i++;
    else j++;
  }
  return kept;
}

/** Keys made unique by their occurrence, for lists (the checklist) that may repeat an item. */
function occurrenceKeys<T>(items: readonly T[], key: (item: T) => string): string[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const k = key(item);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return n === 0 ? k : `${k}\u0000${n}`;
  });
}

interface ListDiff<T> {
  before: readonly T[];
  after: readonly T[];
  at: At;
  key: (item: T) => string;
  /** How a sentence names the item: `Gate "scoping" (Idea screen)`. */
  label: (item: T) => string;
  /** What changed inside an item that is in both lists. */
  inner?: (before: T, after: T, at: At) => Change[];
  /** Whether "added" says where (gates, whose order is the process). */
  wherePlaced?: boolean;
}

/** Added, removed, moved and changed items; removed ones where they stood among the others. */
function diffList<T>(list: ListDiff<T>): Change[] {
  const beforeKeys = occurrenceKeys(list.before, list.key);
  const afterKeys = occurrenceKeys(list.after, list.key);
  const kept = unmoved(
    beforeKeys.filter((k) => afterKeys.includes(k)),
    afterKeys.filter((k) => beforeKeys.includes(k)),
  );
  const out: Change[] = [];
  let flushed = 0;
  const removedUpTo = (end: number) => {
    for (; flushed < end; flushed++) {
      const item = list.before[flushed] as T;
      if (afterKeys.includes(beforeKeys[flushed] as string)) continue;
      const path = `${list.at.before}.${flushed}`;
      out.push({ path, kind: 'removed', what: `${list.label(item)} removed`, before: item });
    }
  };
  list.after.forEach((item, i) => {
    const key = afterKeys[i] as string;
    const j = beforeKeys.indexOf(key);
    const path = `${list.at.after}.${i}`;
    if (j < 0) {
      // What it replaced reads first: the removals before the next item both versions hold.
      const next = afterKeys.slice(i + 1).find((k) => beforeKeys.includes(k));
      removedUpTo(next === undefined ? list.before.length : beforeKeys.indexOf(next));
      const where = list.wherePlaced ? ` at position ${i + 1}` : '';
      out.push({ path, kind: 'added', what: `${list.label(item)} added${where}`, after: item });
      return;
    }
    removedUpTo(j);
    if (!kept.has(key)) {
      const what = `${list.label(item)} moved from position ${j + 1} to ${i + 1}`;
      out.push({ path, kind: 'changed', what, before: j + 1, after: i + 1 });
    }
    const inner = list.inner?.(list.before[j] as T, item, { before: `${list.at.before}.${j}`, after: path });
    if (inner) out.push(...inner);
  });
  removedUpTo(list.before.length);
  return out;
}

/** One property of an item in both documents, compared by `setting`. */
function prop<O extends object, K extends keyof O & string>(
  b: O,
  a: O,
  at: At,
  key: K,
  subject: string,
  show: (value: NonNullable<O[K]>) => string,
  style: 'arrow' | 'words' = 'words',
): Change[] {
  type V = NonNullable<O[K]>;
  return setting(within(at, key), subject, b[key] as V | undefined, a[key] as V | undefined, show, style);
}

/** A change told in a sentence of its own (a rename, a yes/no setting). */
function changed(path: string, what: string, before: unknown, after: unknown): Change[] {
  return before === after ? [] : [{ path, kind: 'changed', what, before, after }];
}

const list = (values: readonly string[]) => values.join(', ');

function fieldChanges(before: FieldSpec, after: FieldSpec, at: At): Change[] {
  const label = `Intake field "${after.id}"`;
  // The settings of one type are absent on another: read them by name, absent when not there.
  type AnyField = {
    label: string;
    type: string;
    min?: number;
    max?: number;
    maxLength?: number;
    choices?: string[];
  };
  const [b, a] = [before as AnyField, after as AnyField];
  const required = `${label}: now ${after.required ? 'required' : 'optional'}`;
  return [
    ...prop(b, a, at, 'label', `${label}: label`, quote),
    ...prop(b, a, at, 'type', `${label}: type`, String),
    ...changed(`${at.after}.required`, required, before.required, after.required),
    ...prop(b, a, at, 'min', `${label}: min`, String, 'arrow'),
    ...prop(b, a, at, 'max', `${label}: max`, String, 'arrow'),
    ...prop(b, a, at, 'maxLength', `${label}: maxLength`, String, 'arrow'),
    ...prop(b, a, at, 'choices', `${label}: choices`, list),
  ];
}

const gateLabel = (g: GateDefinition) => `Gate "${g.id}" (${g.name})`;
const approverKey = (a: ApproverSpec) => ('role' in a ? 'the sponsor' : a.email);
const opensWhen = (o: GateDefinition['opens']) => (o === 'immediately' ? 'immediately' : 'on submission');
const every = (n: number) => `every ${hours(n)}`;

/** A skip rule's canonical text, so that spacing and needless parentheses are no change. */
function canonicalRule(rule: string | undefined): string | undefined {
  if (rule === undefined) return undefined;
  const parsed = parseExpression(rule);
  return parsed.ok ? printExpression(parsed.expr) : rule.trim();
}

type Criterion = { id: string; text: string; weight?: number };

function criteriaChanges(b: GateDefinition, a: GateDefinition, at: At, label: string): Change[] {
  const criteria = within(at, 'criteria');
  const lists = [
    ['must-meet', 'mustMeet'],
    ['should-meet', 'shouldMeet'],
  ] as const;
  return [
    ...lists.flatMap(([kind, key]) =>
      diffList<Criterion>({
        before: b.criteria[key],
        after: a.criteria[key],
        at: within(criteria, key),
        key: (c) => c.id,
        label: (c) => `${label}: ${kind} criterion "${c.id}"`,
        inner: (bc, ac, cAt) => [
          ...prop(bc, ac, cAt, 'text', `${label}: ${kind} criterion "${ac.id}" text`, quote),
          ...prop(bc, ac, cAt, 'weight', `${label}: ${kind} criterion "${ac.id}" weight`, String, 'arrow'),
        ],
      }),
    ),
    ...prop(b.criteria, a.criteria, criteria, 'threshold', `${label}: threshold`, String, 'arrow'),
  ];
}

function gateChanges(b: GateDefinition, a: GateDefinition, at: At): Change[] {
  const label = gateLabel(a);
  const renamed = `Gate "${a.id}" renamed from ${quote(b.name)} to ${quote(a.name)}`;
  const signing = `${label}: ${a.esignature ? 'now requires' : 'no longer requires'} e-signatures`;
  const [bRule, aRule] = [describeRule(b.rule), describeRule(a.rule)];
  const sla = within(at, 'sla');
  return [
    ...changed(`${at.after}.name`, renamed, b.name, a.name),
    ...prop(b, a, at, 'ask', `${label}: question`, quote),
    ...prop(b, a, at, 'opens', `${label}: opens`, opensWhen),
    ...(canonicalRule(b.skipWhen) === canonicalRule(a.skipWhen)
      ? []
      : prop(b, a, at, 'skipWhen', `${label}: skip rule`, quote)),
    ...diffList({
      before: b.deliverables,
      after: a.deliverables,
      at: within(at, 'deliverables'),
      key: (d) => d.id,
      label: (d) => `${label}: deliverable "${d.id}" (${d.name})`,
      inner: (bd, ad, dAt) => [
        ...prop(bd, ad, dAt, 'name', `${label}: deliverable "${ad.id}" name`, quote),
        ...prop(bd, ad, dAt, 'required', `${label}: deliverable "${ad.id}"`, (r) =>
          r ? 'required' : 'optional',
        ),
      ],
    }),
    ...criteriaChanges(b, a, at, label),
    ...diffList({
      before: b.approvers,
      after: a.approvers,
      at: within(at, 'approvers'),
      key: approverKey,
      label: (x) => `${label}: approver ${approverKey(x)}`,
      inner: (bx, ax, xAt) =>
        'email' in bx && 'email' in ax
          ? prop(bx, ax, xAt, 'name', `${label}: approver ${ax.email} name`, quote)
          : [],
    }),
    ...(bRule === aRule
      ? []
      : [
          {
            path: `${at.after}.rule`,
            kind: 'changed' as const,
            what: `${label}: rule changed from ${bRule} to ${aRule}`,
            before: b.rule,
            after: a.rule,
          },
        ]),
    ...prop(b.sla, a.sla, sla, 'decideWithinHours', `${label}: deadline`, hours, 'arrow'),
    ...prop(b.sla, a.sla, sla, 'remindAfterHours', `${label}: reminders`, every),
    ...prop(b.sla, a.sla, sla, 'escalateAfterHours', `${label}: escalation`, (n) => `after ${hours(n)}`),
    ...prop(b.sla, a.sla, sla, 'atDeadline', `${label}: outcome at the deadline`, outcome),
    ...changed(`${at.after}.esignature`, signing, b.esignature, a.esignature),
  ];
}

/** Every change from `before` to `after`, in the order of the document; [] when they are the same. */
export function diffDefinitions(before: ProcessDefinition, after: ProcessDefinition): DefinitionChange[] {
  const top = (key: string): At => ({ before: key, after: key });
  const contacts = top('contacts');
  const closeOutSla = top('closeOut.sla');
  const [bSla, aSla] = [before.closeOut.sla, after.closeOut.sla];
  return [
    ...setting(top('id'), 'Process id', before.id, after.id, quote),
    ...setting(top('name'), 'Process name', before.name, after.name, quote),
    ...prop(before.contacts, after.contacts, contacts, 'pmo', 'PMO contact', String),
    ...prop(before.contacts, after.contacts, contacts, 'escalation', 'Escalation contact', String),
    ...diffList({
      before: before.intake.fields,
      after: after.intake.fields,
      at: top('intake.fields'),
      key: (f) => f.id,
      label: (f) => `Intake field "${f.id}" (${f.label})`,
      inner: fieldChanges,
    }),
    ...diffList({
      before: before.gates,
      after: after.gates,
      at: top('gates'),
      key: (g) => g.id,
      label: gateLabel,
      inner: gateChanges,
      wherePlaced: true,
    }),
    ...diffList({
      before: before.closeOut.checklist,
      after: after.closeOut.checklist,
      at: top('closeOut.checklist'),
      key: (item) => item,
      label: (item) => `Close-out checklist item ${quote(item)}`,
    }),
    ...prop(bSla, aSla, closeOutSla, 'decideWithinHours', 'Close-out: deadline', hours, 'arrow'),
    ...prop(bSla, aSla, closeOutSla, 'remindAfterHours', 'Close-out: reminders', every),
  ];
}

/** One line for a list of changes: how many, and the first few. */
export function summariseChanges(changes: readonly DefinitionChange[]): string {
  if (changes.length === 0) return 'No changes';
  const shown = changes.slice(0, 3).map((c) => c.what);
  const more = changes.length > 3 ? `; and ${changes.length - 3} more` : '';
  return `${changes.length} change${changes.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}`;
}
