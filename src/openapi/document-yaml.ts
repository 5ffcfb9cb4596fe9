import { stringify } from 'yaml';
import type { ListenerName } from '../auth/scope.guard.js';
import type { OpenApiDocument } from './openapi-json.js';

/** `openapi/` at the repository (or image) root, one level above both `src/` (tests) and `dist/`. */
const COMMITTED_DIR = new URL('../../openapi/', import.meta.url);

/** Where the committed document of a listener lives (docs/openapi-conventions.md §1). */
export function documentFile(listener: ListenerName, dir: URL = COMMITTED_DIR): URL {
  return new URL(`${listener}.yaml`, dir);
}

/** Stable YAML: no line folding, no anchors, a final newline. */
export function toYaml(doc: OpenApiDocument): string {
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}
