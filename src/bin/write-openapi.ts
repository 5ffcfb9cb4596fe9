import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ListenerName } from '../auth/scope.guard.js';
import { documentFile } from '../openapi/document-yaml.js';
import { generateDocuments } from '../bootstrap/generate-documents.js';

/**
 * `npm run openapi`: regenerates `openapi/{client,management,dist}.yaml` from the code (docs/openapi-conventions.md §1).
 * `--out <dir>` writes elsewhere (the drift test compares such a run with the committed files).
 */
async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--out');
  const out = at >= 0 ? argv[at + 1] : undefined;
  if (at >= 0 && !out) throw new Error('--out needs a directory');
  const dir = out === undefined ? undefined : pathToFileURL(out.replace(/\/?$/, '/'));
  const documents = await generateDocuments();
  for (const [listener, yaml] of Object.entries(documents)) {
    const file = documentFile(listener as ListenerName, dir);
    mkdirSync(new URL('./', file), { recursive: true });
    writeFileSync(file, yaml);
    process.stdout.write(`wrote ${out ?? 'openapi'}/${listener}.yaml\n`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`write-openapi: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
