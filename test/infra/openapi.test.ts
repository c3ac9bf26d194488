import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decisionInputSchema } from '../../functions/domain/decision.ts';
import { exportRequestSchema } from '../../functions/domain/export-format.ts';
import { proposalSchema } from '../../functions/domain/proposal.ts';
import { submissionSchema } from '../../functions/domain/submission.ts';
import { HTTP_ROUTES } from '../../functions/handlers.ts';
import { API_DOCS } from '../../functions/http/api-docs.ts';
import {
  cancelSchema,
  extendSchema,
  holdSchema,
  remindSchema,
} from '../../functions/usecases/admin-actions.ts';
import { metSchema, waiveSchema } from '../../functions/usecases/conditions.ts';
import {
  draftBodySchema,
  draftFromVersionSchema,
  publishBodySchema,
} from '../../functions/usecases/definition-drafts.ts';
import {
  diffQuerySchema,
  dryRunBodySchema,
  validateBodySchema,
} from '../../functions/usecases/definitions.ts';
import { reassignmentSchema } from '../../functions/usecases/delegation.ts';
import { resumeSchema } from '../../functions/usecases/holds.ts';
import { migrationBodySchema } from '../../functions/usecases/migration.ts';
import { pendingQuery } from '../../functions/usecases/pending.ts';
import { awaySchema, backSchema, peopleQuery, personSchema } from '../../functions/usecases/people.ts';
import { decisionFromForm } from '../../functions/views/decision-page.ts';
import { buildOpenApi, OPENAPI_FILE, openApiText } from '../../infra/openapi.ts';
import {
  bodySchemaOf as bodySchemaIn,
  type Json,
  type JsonObject,
  type Operation,
  operationOf as operationIn,
  schemaCompiler,
} from '../support/openapi.ts';

// docs/openapi.json is generated from functions/http/api-docs.ts, whose request bodies are the
// zod/mini schemas the use cases parse with: these checks keep the file, the routes and what the
// use cases accept in step.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const ROLES = ['requester', 'pmo-admin', 'compliance', 'approver'];

let document: JsonObject;
let undocumented: string[];
let mistakes: string[];

beforeAll(() => {
  // Prepare: a fresh generation
  ({ document, undocumented, mistakes } = buildOpenApi());
});

const pathsOf = () => document.paths as Record<string, Record<string, Operation>>;
const operationOf = (routeKey: string) => operationIn(document, routeKey);
const operations = () =>
  Object.entries(pathsOf()).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

/** A JSON pointer (`#/a/b~1c`) in the document, or undefined. */
function resolve(ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let at: Json | undefined = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    at = at !== null && typeof at === 'object' && !Array.isArray(at) ? at[key] : undefined;
    if (at === undefined) return undefined;
  }
  return at;
}

/** Every `$ref` in a JSON value. */
function refsIn(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [inner] : refsIn(inner),
  );
}

const validatorFor = () => schemaCompiler(document);
const bodySchemaOf = (routeKey: string) => bodySchemaIn(document, routeKey);

describe('the OpenAPI document', () => {
  it('documents every route of HTTP_ROUTES, and nothing else', () => {
    // Act
    const routeKeys = HTTP_ROUTES.map((r) => r.routeKey);
    const missingEntries = routeKeys.filter((key) => !(key in API_DOCS));
    const notRoutes = Object.keys(API_DOCS).filter((key) => !routeKeys.includes(key));
    const missingOperations = routeKeys.filter((key) => key in API_DOCS && !operationOf(key));
    const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    // Assess: every list empty, all shown at once
    expect({
      'routes with no entry in functions/http/api-docs.ts': missingEntries,
      'routes the generator could not document': undocumented,
      'api-docs.ts entries that are not routes, or contradict their route': [...notRoutes, ...mistakes],
      'routes with no operation in the document': missingOperations,
    }).toEqual({
      'routes with no entry in functions/http/api-docs.ts': [],
      'routes the generator could not document': [],
      'api-docs.ts entries that are not routes, or contradict their route': [],
      'routes with no operation in the document': [],
    });
    expect(documented.sort()).toEqual([...routeKeys].sort());
  });

  it('is checked in as generated', () => {
    // Act
    const checkedIn = readFileSync(OPENAPI_FILE, 'utf8');
    // Assess
    expect(checkedIn === openApiText(document), 'docs/openapi.json is stale: run `npm run openapi`').toBe(
      true,
    );
  });

  it('is structurally valid OpenAPI 3.1', () => {
    // Prepare
    const compile = validatorFor();
    const tags = ((document.tags ?? []) as JsonObject[]).map((t) => t.name);
    const schemes = Object.keys(((document.components as JsonObject).securitySchemes ?? {}) as JsonObject);
    const problems: string[] = [];
    // Act
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    for (const ref of refsIn(document))
      if (resolve(ref) === undefined) problems.push(`$ref ${ref} does not resolve`);
    const operationIds = operations().map(({ op }) => op.operationId);
    for (const [path, item] of Object.entries(pathsOf())) {
      if (!path.startsWith('/')) problems.push(`${path}: a path starts with /`);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        const at = `${method.toUpperCase()} ${path}`;
        if (!METHODS.includes(method)) problems.push(`${at}: not an OpenAPI method`);
        if (typeof op.operationId !== 'string') problems.push(`${at}: no operationId`);
        if (Object.keys(op.responses ?? {}).length === 0) problems.push(`${at}: no responses`);
        for (const [status, response] of Object.entries(op.responses))
          if (typeof (response as JsonObject).description !== 'string')
            problems.push(`${at} ${status}: a response needs a description`);
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
        for (const name of templated)
          if (!declared.some((p) => p.name === name && p.required === true))
            problems.push(`${at}: path parameter ${name} is not declared (required)`);
        for (const p of declared)
          if (!templated.includes(String(p.name))) problems.push(`${at}: ${p.name} is not in the path`);
        const keys = (op.parameters ?? []).map((p) => `${p.in}:${p.name}`);
        if (new Set(keys).size !== keys.length) problems.push(`${at}: a parameter is declared twice`);
        for (const tag of (op.tags ?? []) as string[])
          if (!tags.includes(tag)) problems.push(`${at}: tag ${tag} is not declared`);
        for (const requirement of (op.security ?? []) as JsonObject[])
          for (const scheme of Object.keys(requirement))
            if (!schemes.includes(scheme)) problems.push(`${at}: security scheme ${scheme} is not declared`);
        const route = HTTP_ROUTES.find((r) => r.routeKey === at);
        if (route?.auth === 'jwt') {
          const roles = op['x-roles'];
          if (!Array.isArray(roles) || roles.some((r) => !ROLES.includes(String(r))))
            problems.push(`${at}: x-roles must list known roles`);
          if (JSON.stringify(op.security) !== JSON.stringify([{ bearerAuth: [] }]))
            problems.push(`${at}: a signed-in route asks for bearerAuth`);
        } else if (JSON.stringify(op.security) !== '[]') problems.push(`${at}: a public route asks nothing`);
        // Every schema in the operation is a valid JSON Schema 2020-12 (Ajv checks it against the meta-schema).
        const schemas = [
          ...(op.parameters ?? []).map((p) => p.schema ?? null),
          ...Object.values((op.requestBody?.content ?? {}) as JsonObject).map(
            (c) => (c as JsonObject).schema ?? null,
          ),
          ...Object.values(op.responses).flatMap((r) =>
            Object.values(((r as JsonObject).content ?? {}) as JsonObject).map(
              (c) => (c as JsonObject).schema ?? null,
            ),
          ),
        ];
        for (const schema of schemas) {
          if (schema === null) problems.push(`${at}: a parameter or content without a schema`);
          else
            try {
              compile(schema);
            } catch (error) {
              problems.push(`${at}: ${(error as Error).message}`);
            }
        }
      }
    }
    if (new Set(operationIds).size !== operationIds.length) problems.push('operationIds are not unique');
    // Assess
    expect(problems).toEqual([]);
  });

  it('takes its request bodies from the very schemas the use cases parse with', () => {
    // Prepare: the schema each use case parses its body with
    const parsedWith = {
      'POST /proposals': proposalSchema,
      'POST /projects/{projectId}/submissions': submissionSchema,
      'POST /projects/{projectId}/conditions/{conditionId}/met': metSchema,
      'POST /projects/{projectId}/conditions/{conditionId}/waive': waiveSchema,
      'POST /projects/{projectId}/resume': resumeSchema,
      'POST /projects/{projectId}/gates/{sequence}/reassign': reassignmentSchema,
      'POST /trail/exports': exportRequestSchema,
      'PUT /definitions/{definitionId}/draft': draftBodySchema,
      'POST /definitions/{definitionId}/draft': draftFromVersionSchema,
      'POST /definitions/validate': validateBodySchema,
      'POST /definitions/dry-run': dryRunBodySchema,
      'POST /definitions/{definitionId}/publish': publishBodySchema,
      'POST /definitions/{definitionId}/migrations': migrationBodySchema,
      'PUT /people/{email}': personSchema,
      'PUT /people/{email}/away': awaySchema,
      'POST /people/{email}/back': backSchema,
      'POST /projects/{projectId}/gates/{sequence}/remind': remindSchema,
      'POST /projects/{projectId}/gates/{sequence}/extend': extendSchema,
      'POST /projects/{projectId}/hold': holdSchema,
      'POST /projects/{projectId}/cancel': cancelSchema,
    };
    const queriedWith = {
      'GET /definitions/{definitionId}/diff': diffQuerySchema,
      'GET /people': peopleQuery,
      'GET /pending': pendingQuery,
    };
    // Act / Assess
    for (const [routeKey, schema] of Object.entries(parsedWith))
      expect(API_DOCS[routeKey]?.body?.schema, routeKey).toBe(schema);
    for (const [routeKey, schema] of Object.entries(queriedWith))
      expect(API_DOCS[routeKey]?.query, routeKey).toBe(schema);
  });

  describe('accepts what the use case accepts, and refuses what it refuses', () => {
    const cases: {
      routeKey: string;
      parse: (body: unknown) => boolean;
      accepted: unknown;
      refused: unknown;
    }[] = [
      {
        routeKey: 'POST /proposals',
        parse: (body) => proposalSchema.safeParse(body).success,
        accepted: {
          title: 'New CRM',
          summary: 'Replace the old CRM before renewal.',
          sponsorEmail: 'sam.sponsor@example.com',
          managerEmail: 'max.manager@example.com',
          fields: { budget: 120000, region: 'EMEA' },
        },
        refused: { title: 'New CRM', summary: 'Replace it.', sponsorEmail: 'not an address' },
      },
      {
        routeKey: 'POST /projects/{projectId}/gates/{sequence}/reassign',
        parse: (body) => reassignmentSchema.safeParse(body).success,
        accepted: { from: 'ada@example.com', to: 'bob@example.com', reason: 'Ada is on leave' },
        refused: { from: 'ada@example.com', to: 'bob@example.com', reason: 'Ada is on leave', cc: 'x' },
      },
      {
        routeKey: 'POST /trail/exports',
        parse: (body) => exportRequestSchema.safeParse(body).success,
        accepted: { format: 'csv', from: '2025-01-01', to: '2025-03-31', action: 'decision.recorded' },
        refused: { format: 'xlsx' },
      },
      {
        routeKey: 'POST /projects/{projectId}/submissions',
        parse: (body) => submissionSchema.safeParse(body).success,
        accepted: {
          note: 'All in',
          deliverables: [
            { id: 'business-case', title: 'Business case', link: 'https://docs.example.com/bc' },
          ],
        },
        refused: { deliverables: [{ id: 'business-case', title: 'Business case' }] },
      },
      {
        routeKey: 'PUT /definitions/{definitionId}/draft',
        parse: (body) => draftBodySchema.safeParse(body).success,
        accepted: {
          definition: { id: 'standard', version: 4, name: 'Standard (work in progress)' },
          source: 'id: standard\nversion: 4\n',
          revision: 3,
          reason: 'Tighter SLA at gate 2',
        },
        refused: { definition: { id: 'standard' }, revision: 0 },
      },
      {
        routeKey: 'POST /definitions/dry-run',
        parse: (body) => dryRunBodySchema.safeParse(body).success,
        accepted: {
          definitionId: 'standard',
          version: 'draft',
          proposal: { sponsorEmail: 'sam.sponsor@example.com', fields: { budget: 50000, region: 'EMEA' } },
          startAt: '2030-01-07T09:00:00Z',
        },
        refused: {
          definitionId: 'standard',
          version: 'latest',
          proposal: { sponsorEmail: 'sam@example.com' },
        },
      },
      {
        routeKey: 'POST /definitions/{definitionId}/migrations',
        parse: (body) => migrationBodySchema.safeParse(body).success,
        accepted: { fromVersion: 1, toVersion: 2, dryRun: true, reason: 'The new escalation contact' },
        refused: { fromVersion: 1, toVersion: 2, reason: 'dryRun left out' },
      },
      {
        routeKey: 'PUT /people/{email}/away',
        parse: (body) => awaySchema.safeParse(body).success,
        accepted: { from: '2030-01-01', until: '2030-01-05', delegate: 'bob@example.com', reason: 'Holiday' },
        refused: { from: '2030-02-30', until: '2030-03-05', delegate: 'bob@example.com', reason: 'Holiday' },
      },
      {
        routeKey: 'POST /projects/{projectId}/gates/{sequence}/extend',
        parse: (body) => extendSchema.safeParse(body).success,
        accepted: { dueAt: '2030-01-10T17:00:00+01:00', reason: 'The sponsor is travelling' },
        refused: { dueAt: 'next friday', reason: 'The sponsor is travelling' },
      },
    ];

    it.each(cases)('$routeKey', ({ routeKey, parse, accepted, refused }) => {
      // Prepare
      const validate = validatorFor()(bodySchemaOf(routeKey));
      // Act
      const verdicts = [accepted, refused].map((body) => ({
        useCase: parse(body),
        document: validate(body),
      }));
      // Assess
      expect(verdicts).toEqual([
        { useCase: true, document: true },
        { useCase: false, document: false },
      ]);
    });

    it('GET /pending: its query parameters', () => {
      // Prepare: each documented query parameter's schema, as one object
      const parameters = (operationOf('GET /pending')?.parameters ?? []).filter((p) => p.in === 'query');
      const validate = validatorFor()({
        type: 'object',
        properties: Object.fromEntries(parameters.map((p) => [String(p.name), p.schema ?? {}])),
      });
      const accepted = { status: 'in-review', overdue: 'true', approver: 'ada@example.com', limit: '20' };
      const refused = { status: 'closed', limit: '500' };
      // Act
      const verdicts = [accepted, refused].map((query) => ({
        useCase: pendingQuery.safeParse(query).success,
        document: validate(query),
      }));
      // Assess
      expect(verdicts).toEqual([
        { useCase: true, document: true },
        { useCase: false, document: false },
      ]);
    });

    it('POST /a/{secret}: the form the decision page posts', () => {
      // Prepare: a Conditional Go with one condition (the other rows left empty), and one with no such outcome
      const validate = validatorFor()(bodySchemaOf('POST /a/{secret}'));
      const form = (outcome: string) =>
        new URLSearchParams({
          outcome,
          comment: 'Go once the budget is signed.',
          packageHash: 'a'.repeat(64),
          recycleTo: '',
          'condition-0': 'Budget signed by finance',
          'condition-0-due': '2030-01-31',
          'condition-0-owner': '',
          'condition-1': '',
          'condition-1-due': '',
          'score-fit': '7',
          'mustMeet-legal': 'yes',
        });
      // Act
      const verdicts = ['conditional-go', 'maybe'].map((outcome) => ({
        useCase: decisionInputSchema.safeParse(decisionFromForm(form(outcome))).success,
        document: validate(Object.fromEntries(form(outcome))),
      }));
      // Assess
      expect(verdicts).toEqual([
        { useCase: true, document: true },
        { useCase: false, document: false },
      ]);
    });
  });

  it('is imported by no Lambda handler', () => {
    // Prepare: every module under functions/ but the docs themselves
    const files = readdirSync('functions', { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && f !== join('http', 'api-docs.ts'))
      .map((f) => join('functions', f));
    // Act
    const importers = files.filter((f) => /from '[^']*api-docs(\.ts)?'/.test(readFileSync(f, 'utf8')));
    // Assess
    expect(importers).toEqual([]);
  });
});
