/**
 * The registry of Lambda handlers: one name → one entry module exporting `handler`.
 * The CDK stack builds one function per entry from it; the local runtime invokes the
 * same modules in-process by the same names. One source of truth for both.
 */
export const HANDLERS = {
  'approval-pages': {
    entry: 'functions/http/approvals.ts',
    kind: 'http',
    description: 'Decision pages behind e-mailed links',
  },
  'project-api': {
    entry: 'functions/http/projects.ts',
    kind: 'http',
    description: 'Requester API: proposals, project status, stage submissions, conditions met',
  },
  'admin-api': {
    entry: 'functions/http/admin.ts',
    kind: 'http',
    description:
      'PMO admin API: people, the pending view, remind, extend, hold, resume, cancel, reassign, waive',
  },
  'definitions-api': {
    entry: 'functions/http/definitions.ts',
    kind: 'http',
    description: 'PMO admin API: process definitions, drafts, dry runs, publication, migrations',
  },
  'admin-console': {
    entry: 'functions/http/console.ts',
    kind: 'http',
    description: 'PMO console: the page, its script and stylesheet (no data; the script calls the API)',
  },
  'record-proposal': {
    entry: 'functions/tasks/record-proposal.ts',
    kind: 'task',
    description: 'Intake: record a proposal',
  },
  'open-gate': {
    entry: 'functions/tasks/open-gate.ts',
    kind: 'task',
    description: 'Gate review and close-out: open a gate instance and wait',
  },
  'expire-gate': {
    entry: 'functions/tasks/expire-gate.ts',
    kind: 'task',
    description: 'Gate review: the wait timed out',
  },
  'apply-decision': {
    entry: 'functions/tasks/apply-decision.ts',
    kind: 'task',
    description: 'Gate review and close-out: follow what was decided',
  },
  sweeper: {
    entry: 'functions/tasks/sweeper.ts',
    kind: 'task',
    description: 'Scheduled: reminders, escalations, deadlines, repairs',
  },
  'trail-api': {
    entry: 'functions/http/trail.ts',
    kind: 'http',
    description: 'Compliance API: exports, verification, approval records',
  },
  'trail-job': {
    entry: 'functions/tasks/trail-job.ts',
    kind: 'task',
    description: 'Trail export or verification job',
  },
  'anchor-trail': {
    entry: 'functions/tasks/anchor-trail.ts',
    kind: 'task',
    description: 'Scheduled and at close-out: anchor the trail outside the table',
  },
  'record-failure': {
    entry: 'functions/tasks/record-failure.ts',
    kind: 'task',
    description: 'A failed execution, into its project trail',
  },
} as const;

export type HandlerName = keyof typeof HANDLERS;

/** HTTP routes and the handler that serves each, for API Gateway and the local server alike. */
export const HTTP_ROUTES: { routeKey: string; handler: HandlerName; auth: 'public' | 'jwt' }[] = [
  { routeKey: 'GET /a/{secret}', handler: 'approval-pages', auth: 'public' },
  // Link checkers ask with HEAD; API Gateway does not answer it from the GET route.
  { routeKey: 'HEAD /a/{secret}', handler: 'approval-pages', auth: 'public' },
  { routeKey: 'POST /a/{secret}', handler: 'approval-pages', auth: 'public' },
  { routeKey: 'POST /proposals', handler: 'project-api', auth: 'jwt' },
  { routeKey: 'GET /projects/{projectId}', handler: 'project-api', auth: 'jwt' },
  { routeKey: 'POST /projects/{projectId}/submissions', handler: 'project-api', auth: 'jwt' },
  {
    routeKey: 'POST /projects/{projectId}/conditions/{conditionId}/met',
    handler: 'project-api',
    auth: 'jwt',
  },
  {
    routeKey: 'POST /projects/{projectId}/conditions/{conditionId}/waive',
    handler: 'admin-api',
    auth: 'jwt',
  },
  { routeKey: 'POST /projects/{projectId}/resume', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'POST /projects/{projectId}/gates/{sequence}/reassign', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'POST /projects/{projectId}/gates/{sequence}/remind', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'POST /projects/{projectId}/gates/{sequence}/extend', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'POST /projects/{projectId}/hold', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'POST /projects/{projectId}/cancel', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'GET /pending', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'GET /people', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'GET /people/{email}', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'PUT /people/{email}', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'PUT /people/{email}/away', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'POST /people/{email}/back', handler: 'admin-api', auth: 'jwt' },
  { routeKey: 'POST /trail/exports', handler: 'trail-api', auth: 'jwt' },
  { routeKey: 'POST /trail/verifications', handler: 'trail-api', auth: 'jwt' },
  { routeKey: 'GET /trail/jobs/{jobId}', handler: 'trail-api', auth: 'jwt' },
  { routeKey: 'GET /trail/public-key', handler: 'trail-api', auth: 'jwt' },
  { routeKey: 'GET /projects/{projectId}/record', handler: 'trail-api', auth: 'jwt' },
  // The console's page, script and stylesheet hold no data: every call they make carries a token.
  { routeKey: 'GET /console', handler: 'admin-console', auth: 'public' },
  { routeKey: 'GET /console/{asset}', handler: 'admin-console', auth: 'public' },
  { routeKey: 'GET /definitions', handler: 'definitions-api', auth: 'jwt' },
  { routeKey: 'GET /definitions/{definitionId}', handler: 'definitions-api', auth: 'jwt' },
  { routeKey: 'GET /definitions/{definitionId}/versions/{version}', handler: 'definitions-api', auth: 'jwt' },
  { routeKey: 'GET /definitions/{definitionId}/diff', handler: 'definitions-api', auth: 'jwt' },
  { routeKey: 'GET /definitions/{definitionId}/draft', handler: 'definitions-api', auth: 'jwt' },
  { routeKey: 'PUT /definitions/{definitionId}/draft', handler: 'definitions-api', auth: 'jwt' },
  { routeKey: 'POST /definitions/{definitionId}/draft', handler: 'definitions-api', auth: 'jwt' },
  { routeKey: 'POST /definitions/validate', handler: 'definitions-api', auth: 'jwt' },
  { routeKey: 'POST /definitions/dry-run', handler: 'definitions-api', auth: 'jwt' },
  { routeKey: 'POST /definitions/{definitionId}/publish', handler: 'definitions-api', auth: 'jwt' },
  { routeKey: 'POST /definitions/{definitionId}/migrations', handler: 'definitions-api', auth: 'jwt' },
];
