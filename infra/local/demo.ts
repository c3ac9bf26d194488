import type { ProcessDefinition } from '../../functions/domain/definition.ts';
import type { LocalPerson } from './auth.ts';

/** The people `npm start` seeds, one per kind of user, so anyone can try each role. */
export const DEMO_PEOPLE = {
  requester: { email: 'riley.requester@example.com', name: 'Riley Requester', groups: ['requester'] },
  sponsor: { email: 'sam.sponsor@example.com', name: 'Sam Sponsor', groups: [] },
  pmoAdmin: { email: 'pat.pmo@example.com', name: 'Pat PMO', groups: ['pmo-admin'] },
  compliance: { email: 'casey.compliance@example.com', name: 'Casey Compliance', groups: ['compliance'] },
} satisfies Record<string, LocalPerson>;

/** A three-gate process, the PMO's default (`standard`), version 1. */
export const DEMO_DEFINITION: ProcessDefinition = {
  id: 'standard',
  version: 1,
  name: 'Standard project lifecycle',
  gates: [
    {
      id: 'scoping',
      name: 'Idea screen',
      ask: 'Is this idea worth scoping? Approve a small budget for a preliminary investigation.',
      deliverables: ['One-page proposal', 'Strategic fit statement'],
      criteria: {
        mustMeet: [{ id: 'strategic-fit', text: 'Fits the portfolio strategy' }],
        shouldMeet: [
          { id: 'value', text: 'Clear business value', weight: 60 },
          { id: 'feasibility', text: 'Looks feasible', weight: 40 },
        ],
        threshold: 60,
      },
      approvers: [{ role: 'sponsor' }],
      rule: { kind: 'all' },
      sla: { decideWithinHours: 72, remindAfterHours: 48, atDeadline: 'hold' },
      esignature: false,
    },
    {
      id: 'business-case',
      name: 'Go to development',
      ask: 'Does the business case justify funding development?',
      deliverables: ['Business case', 'Project plan', 'Risk register'],
      criteria: {
        mustMeet: [{ id: 'funded', text: 'Budget is available' }],
        shouldMeet: [{ id: 'roi', text: 'Return on investment above hurdle rate', weight: 100 }],
        threshold: 50,
      },
      approvers: [{ role: 'sponsor' }],
      rule: { kind: 'all' },
      sla: { decideWithinHours: 120, atDeadline: 'hold' },
      esignature: false,
    },
    {
      id: 'launch',
      name: 'Go to launch',
      ask: 'Is the project ready to launch and hand over to operations?',
      deliverables: ['Test results', 'Launch plan', 'Operations handover'],
      criteria: {
        mustMeet: [{ id: 'tested', text: 'Acceptance tests passed' }],
        shouldMeet: [],
      },
      approvers: [{ role: 'sponsor' }],
      rule: { kind: 'all' },
      sla: { decideWithinHours: 120, atDeadline: 'hold' },
      esignature: false,
    },
  ],
};
