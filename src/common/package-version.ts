import { readFileSync } from 'node:fs';

/** The version in package.json (build_info, OpenAPI); read once, relative to this file in src/ or dist/. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
