import type { ProcessDefinition } from '../../functions/domain/definition.ts';
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

/**
 * The PMO's default process (`standard`), version 1: an idea screen straight from intake,
 * then two stages whose deliverables open the next gate. Small projects skip the business
 * case gate.
 */
export const DEMO_DEFINITION: ProcessDefinition = {
  id: 'standard',
  version: 1,
  name: 'Standard project lifecycle',
  contacts: { pmo: DEMO_PEOPLE.pmoAdmin.email },
  intake: {
    fields: [
      { id: 'estimatedCost', label: 'Estimated cost (EUR)', type: 'number', required: true, min: 0 },
      { id: 'risk', label: 'Risk', type: 'choice', required: true, choices: ['low', 'medium', 'high'] },
      { id: 'targetDate', label: 'Target date', type: 'date', required: false },
    ],
  },
  gates: [
    {
      id: 'scoping',
      name: 'Idea screen',
      ask: 'Is this idea worth scoping? Approve a small budget for a preliminary investigation.',
      opens: 'immediately',
      deliverables: [],
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
      sla: { decideWithinHours: 72, remindAfterHours: 24, escalateAfterHours: 48, atDeadline: 'hold' },
      esignature: false,
    },
    {
      id: 'business-case',
      name: 'Go to development',
      ask: 'Does the business case justify funding development?',
      opens: 'on-submission',
      skipWhen: 'estimatedCost < 50000 and risk = "low"',
      deliverables: [
        { id: 'business-case', name: 'Business case', required: true },
        { id: 'project-plan', name: 'Project plan', required: true },
        { id: 'risk-register', name: 'Risk register', required: false },
      ],
      criteria: {
        mustMeet: [{ id: 'funded', text: 'Budget is available' }],
        shouldMeet: [{ id: 'roi', text: 'Return on investment above hurdle rate', weight: 100 }],
        threshold: 50,
      },
      approvers: [{ role: 'sponsor' }, { email: DEMO_PEOPLE.finance.email }],
      rule: { kind: 'all' },
      sla: { decideWithinHours: 120, remindAfterHours: 48, escalateAfterHours: 96, atDeadline: 'hold' },
      esignature: false,
    },
    {
      id: 'launch',
      name: 'Go to launch',
      ask: 'Is the project ready to launch and hand over to operations?',
      opens: 'on-submission',
      deliverables: [
        { id: 'test-results', name: 'Test results', required: true },
        { id: 'launch-plan', name: 'Launch plan', required: true },
        { id: 'handover', name: 'Operations handover', required: true },
      ],
      criteria: {
        mustMeet: [{ id: 'tested', text: 'Acceptance tests passed' }],
        shouldMeet: [],
      },
      approvers: [{ role: 'sponsor' }, { email: DEMO_PEOPLE.operations.email }],
      rule: { kind: 'all' },
      sla: { decideWithinHours: 120, remindAfterHours: 48, atDeadline: 'hold' },
      esignature: false,
    },
  ],
  closeOut: {
    checklist: ['Benefits reviewed against the business case', 'Lessons learned recorded', 'Budget closed'],
    sla: { decideWithinHours: 336, remindAfterHours: 120 },
  },
};

/**
 * The same process for regulated work: every gate asks for an e-signature (password and an
 * authenticator code), so the demo shows what a Part 11 signing looks like. Enrol the approvers
 * on the console first.
 */
export const DEMO_REGULATED_DEFINITION: ProcessDefinition = {
  ...DEMO_DEFINITION,
  id: 'regulated',
  name: 'Regulated project lifecycle',
  gates: DEMO_DEFINITION.gates.map((gate) => ({ ...gate, esignature: true })),
};
