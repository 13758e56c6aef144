/**
 * Checks JSON bodies against the Cloud Run v2 protos shipped in @google-cloud/run, the way the
 * real API's JSON transcoding does: unknown fields are a 400 INVALID_ARGUMENT ("Unknown name ...
 * Cannot find field."), enum values must exist, scalars must have the right JSON type, and
 * OUTPUT_ONLY fields in a request are ignored (stripped). Also used on the fake's own responses.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const protosPath = require.resolve('@google-cloud/run/build/protos/protos.json');
const root = protobuf.Root.fromJSON(JSON.parse(readFileSync(protosPath, 'utf8')) as protobuf.INamespace);
root.resolveAll();

export const RUN_V2 = 'google.cloud.run.v2';

export function lookupType(name: string): protobuf.Type {
  return root.lookupType(name);
}

export class ProtoError extends Error {}

export interface CheckOptions {
  /** Request bodies: drop OUTPUT_ONLY fields (the API ignores them). Responses: keep them. */
  stripOutputOnly: boolean;
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function behaviors(field: protobuf.Field): string[] {
  const value = field.options?.['(google.api.field_behavior)'] as unknown;
  return Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];
}

/** Validates (and for requests, cleans) `value` as message `typeName`; returns the cleaned copy. */
export function checkMessage(
  typeName: string,
  value: unknown,
  path: string,
  options: CheckOptions,
): Record<string, unknown> {
  return checkType(lookupType(typeName), value, path, options) as Record<string, unknown>;
}

function checkType(type: protobuf.Type, value: unknown, path: string, options: CheckOptions): unknown {
  const full = type.fullName.replace(/^\./, '');
  switch (full) {
    case 'google.protobuf.Duration':
      if (typeof value !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(value)) throw invalid(path, full, value);
      return value;
    case 'google.protobuf.Timestamp':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalid(path, full, value);
      return value;
    case 'google.protobuf.FieldMask':
      if (typeof value !== 'string') throw invalid(path, full, value);
      return value;
    case 'google.protobuf.Any': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw invalid(path, full, value);
      const { '@type': typeUrl, ...rest } = value as Record<string, unknown>;
      if (typeof typeUrl !== 'string' || !typeUrl.startsWith('type.googleapis.com/')) {
        throw new ProtoError(`Invalid JSON payload received. Any at '${path}' has no valid "@type".`);
      }
      return {
        '@type': typeUrl,
        ...(checkType(
          lookupType(typeUrl.slice('type.googleapis.com/'.length)),
          rest,
          path,
          options,
        ) as object),
      };
    }
    case 'google.protobuf.Value':
    case 'google.protobuf.Struct':
      return value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtoError(`Invalid JSON payload received. Expected an object at '${path}' (${full}).`);
  }
  const out: Record<string, unknown> = {};
  const seenOneofs = new Map<string, string>();
  for (const [key, fieldValue] of Object.entries(value as Record<string, unknown>)) {
    const field = type.fields[key] ?? type.fields[camel(key)];
    if (!field) {
      throw new ProtoError(
        `Invalid JSON payload received. Unknown name "${key}" at '${path}': Cannot find field.`,
      );
    }
    if (fieldValue === null) continue;
    if (options.stripOutputOnly && behaviors(field).includes('OUTPUT_ONLY')) continue;
    const oneof = field.partOf;
    if (oneof && !oneof.name.startsWith('_')) {
      const other = seenOneofs.get(oneof.name);
      if (other)
        throw new ProtoError(
          `Invalid value at '${path}': oneof field '${oneof.name}' is already set ("${other}"); cannot set "${key}".`,
        );
      seenOneofs.set(oneof.name, key);
    }
    const fieldPath = `${path}.${snake(field.name)}`;
    if (field.map) {
      if (typeof fieldValue !== 'object' || Array.isArray(fieldValue))
        throw invalid(fieldPath, 'map', fieldValue);
      const map: Record<string, unknown> = {};
      for (const [mapKey, mapValue] of Object.entries(fieldValue as Record<string, unknown>)) {
        map[mapKey] = checkValue(field, mapValue, `${fieldPath}[${JSON.stringify(mapKey)}]`, options);
      }
      out[field.name] = map;
    } else if (field.repeated) {
      if (!Array.isArray(fieldValue)) throw invalid(fieldPath, 'repeated', fieldValue);
      out[field.name] = fieldValue.map((item, index) =>
        checkValue(field, item, `${fieldPath}[${index}]`, options),
      );
    } else {
      out[field.name] = checkValue(field, fieldValue, fieldPath, options);
    }
  }
  return out;
}

function checkValue(field: protobuf.Field, value: unknown, path: string, options: CheckOptions): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string' && value in resolved.values) return value;
    if (typeof value === 'number' && Object.values(resolved.values).includes(value)) return value;
    throw invalid(path, `type.googleapis.com/${resolved.fullName.replace(/^\./, '')}`, value);
  }
  if (resolved instanceof protobuf.Type) return checkType(resolved, value, path, options);
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') throw invalid(path, 'TYPE_STRING', value);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw invalid(path, 'TYPE_BOOL', value);
      return value;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
    case 'uint32':
    case 'fixed32': {
      const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      const unsigned = field.type.startsWith('u') || field.type === 'fixed32';
      if (
        typeof number !== 'number' ||
        !Number.isInteger(number) ||
        number > 2 ** 32 ||
        (unsigned && number < 0)
      ) {
        throw invalid(path, `TYPE_${field.type.toUpperCase()}`, value);
      }
      return number;
    }
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      if (
        !(typeof value === 'string' && /^-?\d+$/.test(value)) &&
        !(typeof value === 'number' && Number.isInteger(value))
      ) {
        throw invalid(path, `TYPE_${field.type.toUpperCase()}`, value);
      }
      return String(value);
    case 'double':
    case 'float':
      if (typeof value !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(String(value)))
        throw invalid(path, `TYPE_${field.type.toUpperCase()}`, value);
      return value;
    case 'bytes':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value))
        throw invalid(path, 'TYPE_BYTES', value);
      return value;
    default:
      throw new ProtoError(`unsupported field type ${field.type} at '${path}'`);
  }
}

function invalid(path: string, type: string, value: unknown): ProtoError {
  return new ProtoError(`Invalid value at '${path}' (${type}), ${JSON.stringify(value)}`);
}

/** Fields marked REQUIRED on `typeName` that `value` lacks (the API's "must be specified"). */
export function missingRequired(typeName: string, value: Record<string, unknown>): string[] {
  const type = lookupType(typeName);
  return Object.values(type.fields)
    .filter(
      (field) =>
        behaviors(field).includes('REQUIRED') &&
        (value[field.name] === undefined || value[field.name] === null),
    )
    .map((field) => snake(field.name));
}
