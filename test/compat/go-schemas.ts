import { Ajv, type ValidateFunction } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * The JSON Schemas of `go-schemas/`: the management documents as the Go hypercache-server writes them
 * (field names, JSON types, the member states `alive|suspect|dead|draining`), which its tools
 * (hypercache-monitor) validate strictly. Written from the Go server's shapes, not from this
 * server's code, so a drift on our side fails here. Extra fields are allowed.
 */
const DIR = new URL('./go-schemas/', import.meta.url);

export const GO_SHAPES = ['config', 'dist-metrics', 'member', 'members', 'member-event', 'ring', 'heartbeat', 'stats', 'draining-event'] as const;
export type GoShape = (typeof GO_SHAPES)[number];

export function goSchema(shape: GoShape): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`${shape}.json`, DIR), 'utf8')) as Record<string, any>;
}

function compileAll(): Map<GoShape, ValidateFunction> {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  expect(files).toEqual(GO_SHAPES.map((s) => `${s}.json`).sort());
  const ajv = new Ajv({ strict: true, allErrors: true });
  for (const shape of GO_SHAPES) ajv.addSchema(goSchema(shape));
  return new Map(GO_SHAPES.map((s) => [s, ajv.getSchema(`${s}.json`)!]));
}

let validators: Map<GoShape, ValidateFunction> | undefined;

/** Asserts that `doc` has the Go server's shape `shape`; the failure lists every violation. */
export function expectGoShape(shape: GoShape, doc: unknown, where: string = shape): void {
  validators ??= compileAll();
  const validate = validators.get(shape)!;
  const ok = validate(doc);
  expect(ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`), where).toEqual([]);
}
