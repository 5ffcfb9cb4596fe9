import { execFileSync } from 'node:child_process';

/** Process tests run the built server (`node dist/main.js`), so build once before any test. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
