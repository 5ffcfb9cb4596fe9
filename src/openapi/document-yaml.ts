import { createRequire } from 'node:module';
import type { ListenerName } from '../auth/scope.guard.js';
import type { OpenApiDocument } from './openapi-json.js';

/** `openapi/` at the repository (or image) root, one level above both `src/` (tests) and `dist/`. */
const COMMITTED_DIR = new URL('../../openapi/', import.meta.url);

/** Where the committed document of a listener lives (docs/openapi-conventions.md §1). */
export function documentFile(listener: ListenerName, dir: URL = COMMITTED_DIR): URL {
  return new URL(`${listener}.yaml`, dir);
}

const requireHere = createRequire(import.meta.url);

/**
 * The `yaml` package, loaded on first use: a serving node needs it only when the docs explorer
 * parses its document (the committed YAML is served as text), so an idle node never loads it.
 */
export function yamlLib(): typeof import('yaml') {
  return requireHere('yaml') as typeof import('yaml');
}

/** Stable YAML: no line folding, no anchors, a final newline. */
export function toYaml(doc: OpenApiDocument): string {
  return yamlLib().stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}
