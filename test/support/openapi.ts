import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { OPENAPI_FILE } from '../../infra/openapi.ts';

/*
 * Reading docs/openapi.json in tests: its operations, and JSON Schema validators for what they
 * take and answer (Ajv, draft 2020-12, the dialect OpenAPI 3.1 uses), with the document's
 * component references resolved.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export type Operation = JsonObject & {
  parameters?: JsonObject[];
  requestBody?: JsonObject;
  responses: Record<string, JsonObject>;
};

/** The checked-in document (what clients get). */
export function checkedInDocument(): JsonObject {
  return JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as JsonObject;
}

export function operationOf(document: JsonObject, routeKey: string): Operation | undefined {
  const [method = '', path = ''] = routeKey.split(' ');
  const paths = document.paths as Record<string, Record<string, Operation>>;
  return paths[path]?.[method.toLowerCase()];
}

/** A compiler of the document's schemas: `#/components/schemas/…` resolve in the document. */
export function schemaCompiler(document: JsonObject): (schema: Json) => ValidateFunction {
  // Formats are checked by the patterns zod writes beside them; the vocabulary itself is strict.
  const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true, validateFormats: false });
  const relocate = (value: Json): JsonObject =>
    JSON.parse(
      JSON.stringify(value).replaceAll('"#/components/schemas/', '"openapi-components#/$defs/'),
    ) as JsonObject;
  const components = ((document.components as JsonObject).schemas ?? {}) as JsonObject;
  ajv.addSchema({ $id: 'openapi-components', $defs: relocate(components) });
  return (schema) => ajv.compile(relocate(schema));
}

/** The request body's schema of a route (its one content type). */
export function bodySchemaOf(document: JsonObject, routeKey: string): Json {
  const content = (operationOf(document, routeKey)?.requestBody?.content ?? {}) as Record<string, JsonObject>;
  const [only] = Object.values(content);
  if (!only?.schema) throw new Error(`${routeKey} has no request body schema`);
  return only.schema;
}

/** Ajv's errors, one line each. */
export function errorsOf(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim());
}
