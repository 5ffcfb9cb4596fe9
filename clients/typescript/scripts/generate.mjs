#!/usr/bin/env node
// Generates src/generated/ before each build:
// - api.ts: the types of the client API from the server's OpenAPI document (openapi/client.yaml), so a
//   route or shape change that breaks the client breaks its build;
// - ring/: the server's own ring code (src/core/ring/hash-ring.ts, xxhash64.ts), compiled into the
//   package unchanged, so the client computes owners(k) with the very code the nodes run.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkg, '..', '..');
const out = join(pkg, 'src', 'generated');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'ring'), { recursive: true });

const ast = await openapiTS(pathToFileURL(join(repo, 'openapi', 'client.yaml')));
writeFileSync(join(out, 'api.ts'), `// Generated from openapi/client.yaml by scripts/generate.mjs. Do not edit.\n${astToString(ast)}`);
for (const file of ['hash-ring.ts', 'xxhash64.ts']) copyFileSync(join(repo, 'src', 'core', 'ring', file), join(out, 'ring', file));
