import { execFileSync } from 'node:child_process';

/**
 * Process tests run the built server (`node dist/main.js`), and the client tests the built
 * `@hypercache/client` (clients/typescript/dist), so build both once before any test.
 */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync('npm', ['run', 'build', '--silent', '-w', '@hypercache/client'], { stdio: 'inherit' });
}
