/**
 * GitHub's official REST description (`@octokit/openapi`) turned into a router and validators, so the
 * fake GitHub API rejects what the real one would reject and can never answer with a shape the real
 * one would not send. Loaded once per process (the file is 13 MB).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

type Json = Record<string, unknown>;

export interface Operation {
  operationId: string;
  method: string;
  template: string;
  pattern: RegExp;
  paramNames: string[];
  literalSegments: number;
  op: Json;
}

export interface ValidationProblem {
  where: string;
  errors: string[];
}

let cached: OpenApi | undefined;

export function loadOpenApi(): OpenApi {
  cached ??= new OpenApi();
  return cached;
}

export class OpenApi {
  readonly spec: Json;
  private readonly operations: Operation[] = [];
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    const require = createRequire(import.meta.url);
    const path = require.resolve('@octokit/openapi/generated/api.github.com.json');
    this.spec = JSON.parse(readFileSync(path, 'utf8')) as Json;
    // strict:false because the description uses OpenAPI keywords (example, discriminator, x-*)
    // that are not JSON Schema; `nullable` is understood by Ajv 8 itself.
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema(
      { components: (this.spec.components as Json).schemas ? this.spec.components : {} },
      'gh',
    );
    for (const [template, item] of Object.entries(this.spec.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters' || typeof op !== 'object' || op === null) continue;
        const paramNames: string[] = [];
        const multiSegment = new Set(
          [
            ...((item.parameters as Json[] | undefined) ?? []),
            ...(((op as Json).parameters as Json[] | undefined) ?? []),
          ]
            .map((param) => this.resolve(param))
            .filter((param) => param['x-multi-segment'] === true)
            .map((param) => String(param.name)),
        );
        let literalSegments = 0;
        const regex = template
          .split('/')
          .map((segment) => {
            const param = /^\{(.+)\}$/.exec(segment);
            if (!param) {
              if (segment) literalSegments++;
              return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
            }
            paramNames.push(param[1]!);
            // `{path}` in the contents API and `{ref}` in git refs span several segments.
            return multiSegment.has(param[1]!) ? '(.+)' : '([^/]+)';
          })
          .join('/');
        this.operations.push({
          operationId: String((op as Json).operationId),
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${regex}$`),
          paramNames,
          literalSegments,
          op: op as Json,
        });
      }
    }
    // Literal segments win over parameters: `/issues/comments/{id}` before `/issues/{number}`.
    this.operations.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** The operation for a request, with its decoded path parameters, or undefined (GitHub: 404). */
  match(
    method: string,
    pathname: string,
  ): { operation: Operation; params: Record<string, string> } | undefined {
    for (const operation of this.operations) {
      if (operation.method !== method) continue;
      const found = operation.pattern.exec(pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      operation.paramNames.forEach((name, index) => {
        params[name] = decodeURIComponent(found[index + 1]!);
      });
      return { operation, params };
    }
    return undefined;
  }

  /** Path and query parameters checked against their declared schemas (integers must be integers). */
  checkParameters(operation: Operation, params: Record<string, string>, query: URLSearchParams): string[] {
    const problems: string[] = [];
    for (const raw of (operation.op.parameters as Json[] | undefined) ?? []) {
      const param = this.resolve(raw);
      const name = String(param.name);
      const value =
        param.in === 'path'
          ? params[name]
          : param.in === 'query'
            ? (query.get(name) ?? undefined)
            : undefined;
      if (value === undefined) {
        if (param.required && param.in !== 'header') problems.push(`missing ${param.in} parameter ${name}`);
        continue;
      }
      const schema = (param.schema as Json | undefined) ?? {};
      const coerced =
        schema.type === 'integer' || schema.type === 'number'
          ? Number(value)
          : schema.type === 'boolean'
            ? value === 'true'
              ? true
              : value === 'false'
                ? false
                : value
            : value;
      const validate = this.validator(`param:${operation.operationId}:${name}`, schema);
      if (!validate(coerced))
        problems.push(`${param.in} parameter ${name}=${value}: ${describeErrors(validate.errors)}`);
    }
    return problems;
  }

  /** The JSON request body against the operation's requestBody schema. */
  checkRequestBody(operation: Operation, body: unknown): string[] {
    const requestBody = operation.op.requestBody ? this.resolve(operation.op.requestBody as Json) : undefined;
    if (!requestBody) return [];
    const schema = ((requestBody.content as Json | undefined)?.['application/json'] as Json | undefined)
      ?.schema as Json | undefined;
    if (!schema) return [];
    if (body === undefined) return requestBody.required ? ['a request body is required'] : [];
    const validate = this.validator(`request:${operation.operationId}`, schema);
    return validate(body) ? [] : [describeErrors(validate.errors)];
  }

  /** A response against the schema the description declares for its status code. */
  checkResponse(operation: Operation, status: number, body: unknown): string[] {
    const responses = operation.op.responses as Record<string, Json>;
    const declared = responses[String(status)];
    if (!declared) return [`status ${status} is not a documented response of ${operation.operationId}`];
    const response = this.resolve(declared);
    const schema = ((response.content as Json | undefined)?.['application/json'] as Json | undefined)
      ?.schema as Json | undefined;
    if (!schema)
      return body === undefined || body === ''
        ? []
        : [`${operation.operationId} ${status} has no body in the description`];
    const validate = this.validator(`response:${operation.operationId}:${status}`, schema, true);
    return validate(body) ? [] : [describeErrors(validate.errors)];
  }

  /** An example response from the description, as a template for realistic objects. */
  example(name: string): Json {
    const examples = (this.spec.components as Json).examples as Record<string, { value: unknown }>;
    const example = examples[name];
    if (!example) throw new Error(`no example ${name} in the OpenAPI description`);
    return structuredClone(example.value) as Json;
  }

  private resolve(node: Json): Json {
    let current = node;
    while (typeof current.$ref === 'string') {
      const parts = current.$ref.replace(/^#\//, '').split('/');
      current = parts.reduce<Json>((acc, part) => acc[part] as Json, this.spec);
    }
    return current;
  }

  private validator(key: string, schema: Json, response = false): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      // Refs in the description are document-relative (#/components/...): point them at `gh`.
      // Inline response alternatives in the description overlap (a 409 body fits both `basic-error` and
      // `repository-rule-violation-error`, neither with required fields), so `oneOf` there can only
      // mean "one of these shapes": checked as anyOf. Request bodies keep the strict oneOf.
      const rebased = rebase(schema) as Json;
      validate = this.ajv.compile(response ? oneOfAsAnyOf(rebased) : rebased);
      this.validators.set(key, validate);
    }
    return validate;
  }
}

function oneOfAsAnyOf(node: unknown): Json {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') {
      const out: Json = {};
      for (const [key, inner] of Object.entries(value)) out[key === 'oneOf' ? 'anyOf' : key] = walk(inner);
      return out;
    }
    return value;
  };
  return walk(node) as Json;
}

function rebase(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebase);
  if (node && typeof node === 'object') {
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] =
        key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `gh${value}` : rebase(value);
    }
    return out;
  }
  return node;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map(
      (error) =>
        `${error.instancePath || '(root)'} ${error.message}${error.params && 'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`,
    )
    .join('; ');
}
