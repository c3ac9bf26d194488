import * as z from 'zod/mini';
import type { GateDefinition } from './definition.ts';
import { safeLine, safeText } from './text.ts';
import { type Parsed, type Problem, parseWith } from './validation.ts';

/** A link to a deliverable: http(s) only, so a page never renders a `javascript:` link. */
const deliverableLink = z
  .string()
  .check(z.maxLength(2000), z.url({ protocol: /^https?$/, error: 'must be an http(s) link' }));

/** What a project's manager submits to open a gate: each deliverable (title + link) and a note. */
export const submissionSchema = z.strictObject({
  /** The gate this submission is for; the stage's gate when absent. */
  gateId: z.optional(z.string().check(z.maxLength(64))),
  note: z.optional(z.union([z.literal(''), safeText(1, 2000)])),
  deliverables: z
    .array(
      z.strictObject({
        id: z.string().check(z.maxLength(64)),
        title: safeLine(1, 200),
        link: deliverableLink,
      }),
    )
    .check(z.maxLength(30)),
});

export interface SubmittedDeliverable {
  id: string;
  name: string;
  title: string;
  link: string;
}

export interface Submission {
  gateId: string;
  note: string;
  deliverables: SubmittedDeliverable[];
}

/** Checks a submission against the gate's checklist: every required deliverable, nothing unknown, none twice. */
export function parseSubmission(input: unknown, gate: GateDefinition): Parsed<Submission> {
  const parsed = parseWith(submissionSchema, input);
  if (!parsed.ok) return parsed;
  const problems: Problem[] = [];
  const { deliverables } = parsed.value;
  if (parsed.value.gateId !== undefined && parsed.value.gateId !== gate.id) {
    problems.push({ path: 'gateId', message: `the project's stage leads to gate "${gate.id}"` });
  }
  const known = gate.deliverables.map((d) => d.id);
  deliverables.forEach((d, i) => {
    if (!known.includes(d.id))
      problems.push({
        path: `deliverables.${i}.id`,
        message: `"${d.id}" is not a deliverable of ${gate.name} (${known.join(', ') || 'none'})`,
      });
    else if (deliverables.findIndex((other) => other.id === d.id) !== i)
      problems.push({ path: `deliverables.${i}.id`, message: `"${d.id}" is submitted twice` });
  });
  for (const item of gate.deliverables) {
    if (item.required && !deliverables.some((d) => d.id === item.id))
      problems.push({ path: 'deliverables', message: `"${item.name}" (${item.id}) is required` });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      gateId: gate.id,
      note: parsed.value.note ?? '',
      // In checklist order, so the package (and its hash) never depends on the order posted.
      deliverables: gate.deliverables.flatMap((item) => {
        const d = deliverables.find((x) => x.id === item.id);
        return d ? [{ id: item.id, name: item.name, title: d.title, link: d.link }] : [];
      }),
    },
  };
}
