import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { HTTP_ROUTES } from '../functions/handlers.ts';
import { API_DOCS, LINK_SECRET, problemSchema, type RouteDoc, TAGS } from '../functions/http/api-docs.ts';
import { SHAPES } from '../functions/http/paths.ts';

/*
 * `npm run openapi`: writes docs/openapi.json (OpenAPI 3.1) from functions/http/api-docs.ts. The
 * schemas come from zod 4's toJSONSchema on the very zod/mini schemas the use cases parse with,
 * in JSON Schema draft 2020-12 (OpenAPI 3.1's dialect). test/infra/openapi.test.ts fails when the
 * checked-in file differs from a fresh generation, or a route has no entry.
 */

const ROOT = new URL('../', import.meta.url);
export const OPENAPI_FILE = fileURLToPath(new URL('docs/openapi.json', ROOT));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Path item keys in the order they are written (OpenAPI's own order). */
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * The document; the routes of HTTP_ROUTES it could not document (no api-docs.ts entry); and
 * entries that contradict the routes (a route that is not there, other path parameters, other
 * auth), which are left out.
 */
export function buildOpenApi(): { document: JsonObject; undocumented: string[]; mistakes: string[] } {
  const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
    version: string;
    description: string;
  };
  const schemas: Record<string, Json> = {};
  jsonSchema(problemSchema, 'output', 'Problem', schemas);
  const paths: Record<string, Record<string, Json>> = {};
  const undocumented: string[] = [];
  const mistakes: string[] = [];
  for (const route of HTTP_ROUTES) {
    const doc = API_DOCS[route.routeKey];
    if (!doc) {
      undocumented.push(route.routeKey);
      continue;
    }
    const [method = '', path = ''] = route.routeKey.split(' ');
    const mistake = entryMistake(route, doc, path);
    if (mistake) {
      mistakes.push(mistake);
      continue;
    }
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = operation(doc, route.auth, schemas);
  }
  for (const key of Object.keys(API_DOCS)) {
    if (!HTTP_ROUTES.some((r) => r.routeKey === key))
      mistakes.push(`api-docs.ts documents ${key}, which is not a route of HTTP_ROUTES`);
  }
  const document: JsonObject = {
    openapi: '3.1.0',
    info: {
      title: 'tollgate',
      version: pkg.version,
      description: `${pkg.description} Generated from functions/http/api-docs.ts by \`npm run openapi\`: do not edit by hand.`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths: Object.fromEntries(
      Object.keys(paths)
        .sort()
        .map((path) => {
          const item = paths[path] ?? {};
          return [
            path,
            Object.fromEntries(METHODS.flatMap((m) => (m in item ? [[m, item[m] ?? null]] : []))),
          ];
        }),
    ),
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito ID token (locally, one from /local/token) with a verified e-mail; its `cognito:groups` claim carries the roles each operation lists in `x-roles`.',
        },
      },
      schemas: Object.fromEntries(
        Object.keys(schemas)
          .sort()
          .map((name) => [name, schemas[name] ?? null]),
      ),
    },
  };
  return { document, undocumented, mistakes };
}

/** The file as written: 2-space indent, a trailing newline. */
export function openApiText(document: JsonObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** What is wrong with a docs entry that contradicts its route, if anything. */
function entryMistake(route: (typeof HTTP_ROUTES)[number], doc: RouteDoc, path: string): string | undefined {
  const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  if (inTemplate.join() !== doc.parameters.join())
    return `${route.routeKey}: api-docs.ts lists path parameters [${doc.parameters.join(', ')}], the path has [${inTemplate.join(', ')}]`;
  if (Array.isArray(doc.roles) !== (route.auth === 'jwt'))
    return `${route.routeKey}: its auth is ${route.auth}, api-docs.ts says ${JSON.stringify(doc.roles)}`;
  return undefined;
}

function operation(doc: RouteDoc, auth: 'jwt' | 'public', schemas: Record<string, Json>): JsonObject {
  const parameters: Json[] = [
    ...doc.parameters.map((name) => {
      const shape = name === 'secret' ? LINK_SECRET : SHAPES[name];
      return {
        name,
        in: 'path',
        required: true,
        description: shape.says,
        // pathParameter refuses anything longer before matching.
        schema: {
          type: 'string',
          maxLength: 'maxLength' in shape ? shape.maxLength : 64,
          pattern: shape.pattern.source,
        },
      };
    }),
    ...(doc.query ? queryParameters(doc.query, `${doc.operationId}Query`, schemas) : []),
    ...(doc.headers ?? []).map((header) => ({
      name: header.name,
      in: 'header',
      required: false,
      description: header.description,
      schema: jsonSchema(header.schema, 'input', `${doc.operationId}_${header.name}`, schemas),
    })),
  ];
  const op: JsonObject = {
    operationId: doc.operationId,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: doc.tags,
    ...(parameters.length > 0 ? { parameters } : {}),
  };
  if (doc.body) {
    op.requestBody = {
      required: true,
      ...(doc.body.description ? { description: doc.body.description } : {}),
      content: {
        [doc.body.contentType]: {
          schema: jsonSchema(doc.body.schema, 'input', `${doc.operationId}Body`, schemas),
        },
      },
    };
  }
  op.responses = Object.fromEntries(
    Object.keys(doc.responses)
      .map(Number)
      .sort((a, b) => a - b)
      .map((status) => {
        const response = doc.responses[status];
        if (!response) throw new Error(`${doc.operationId}: no response ${status}`);
        return [String(status), responseObject(response, `${doc.operationId}${status}`, schemas)];
      }),
  );
  if (auth === 'jwt') {
    op.security = [{ bearerAuth: [] }];
    op['x-roles'] = doc.roles as string[];
  } else {
    op.security = [];
    if (doc.roles === 'link') op['x-approval-link'] = true;
  }
  return op;
}

function responseObject(
  response: RouteDoc['responses'][number],
  name: string,
  schemas: Record<string, Json>,
) {
  const contentTypes = [response.contentType ?? 'application/json'].flat();
  // Pages, scripts and stylesheets are text; JSON has its schema, or no body at all.
  const schemaFor = (contentType: string): Json | undefined =>
    response.schema
      ? jsonSchema(response.schema, 'output', name, schemas)
      : contentType === 'application/json'
        ? undefined
        : { type: 'string' };
  const content = contentTypes.flatMap((contentType) => {
    const schema = schemaFor(contentType);
    return schema === undefined ? [] : [[contentType, { schema }] as const];
  });
  return {
    description: response.description,
    ...(response.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(response.headers).map(([header, description]) => [
              header,
              { description, schema: { type: 'string' } },
            ]),
          ),
        }
      : {}),
    ...(content.length > 0 ? { content: Object.fromEntries(content) } : {}),
  };
}

/** One query parameter per property of the query's schema (as the use case reads it: input). */
function queryParameters(query: z.ZodMiniObject, name: string, schemas: Record<string, Json>): Json[] {
  const schema = jsonSchema(query, 'input', name, schemas) as JsonObject;
  const properties = (schema.properties ?? {}) as Record<string, JsonObject>;
  const required = (schema.required ?? []) as string[];
  return Object.entries(properties).map(([property, { description, ...propertySchema }]) => ({
    name: property,
    in: 'query',
    required: required.includes(property),
    ...(description ? { description } : {}),
    schema: propertySchema,
  }));
}

/**
 * A zod/mini schema as JSON Schema 2020-12. `input` for what a client sends (defaults make a
 * property optional), `output` for what it gets. Definitions zod pulls out (`$defs`) move to
 * components/schemas so every `$ref` resolves within the document: those api-docs.ts names
 * keep their name (one schema, wherever used), the others (a recursive part) are named after
 * where they are used.
 */
function jsonSchema(
  schema: z.ZodMiniType,
  io: 'input' | 'output',
  name: string,
  schemas: Record<string, Json>,
): Json {
  // An import that is undefined (a renamed export, an import cycle) would fail deep inside zod.
  if (!schema) throw new Error(`${name}: the schema is undefined (a renamed export, or an import cycle?)`);
  const {
    $schema: _dialect,
    $defs,
    ...body
  } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'throw',
  }) as JsonObject;
  const defs = ($defs ?? {}) as Record<string, Json>;
  const renamed = (def: string) => (def.startsWith('__') ? `${name}_${def}` : def);
  const rewrite = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => {
        if (key !== '$ref' || typeof inner !== 'string') return [key, rewrite(inner)];
        if (inner === '#') return [key, `#/components/schemas/${name}`];
        const def = /^#\/\$defs\/(.+)$/.exec(inner)?.[1];
        if (!def) throw new Error(`${name}: a $ref the document cannot resolve (${inner})`);
        return [key, `#/components/schemas/${renamed(def)}`];
      }),
    );
  };
  for (const [def, value] of Object.entries(defs)) {
    const component = rewrite(value);
    const earlier = schemas[renamed(def)];
    if (earlier !== undefined && JSON.stringify(earlier) !== JSON.stringify(component))
      throw new Error(
        `two different schemas are named ${renamed(def)} (a named schema extended or read both ways?)`,
      );
    schemas[renamed(def)] = component;
  }
  const rewritten = rewrite(body);
  // A schema that refers to itself as a whole is named, so the reference has a target.
  if (JSON.stringify(body).includes('"$ref":"#"')) {
    schemas[name] = rewritten;
    return { $ref: `#/components/schemas/${name}` };
  }
  return rewritten;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { document, undocumented, mistakes } = buildOpenApi();
  if (undocumented.length > 0 || mistakes.length > 0) {
    if (undocumented.length > 0)
      console.error(`No entry in functions/http/api-docs.ts for: ${undocumented.join(', ')}`);
    for (const mistake of mistakes) console.error(mistake);
    process.exit(1);
  }
  writeFileSync(OPENAPI_FILE, openApiText(document));
  console.log(`wrote ${OPENAPI_FILE}`);
}
