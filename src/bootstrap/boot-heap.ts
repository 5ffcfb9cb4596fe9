import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its initial size while the node boots (docs/operations.md, memory
 * sizing). V8 doubles the semi-spaces after a scavenge in which many objects survived, and booting
 * (loading the modules, building the three Nest applications) is nothing but surviving objects:
 * left alone, boot grows the new space to its maximum (2 × 16 MiB on 64-bit) and V8 keeps it until
 * its memory reducer runs, so an idle node held about 30 MiB of RSS for an allocation burst that
 * never repeats. `--semi-space-growth-factor` is a documented V8 flag (`node --v8-options`) that V8
 * reads at each growth decision, so setting it at run time works: 1 while booting (no growth), back
 * to V8's default 2 once the listeners serve, so under load the new space grows exactly as before.
 *
 * A node started with its own `--semi-space-growth-factor` or `--max-semi-space-size` (in the
 * command line or NODE_OPTIONS) is left alone.
 */
const V8_DEFAULT_GROWTH_FACTOR = 2;

const operatorChose = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) =>
  /^--(max[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/.test(a),
);

/** Stops the young generation from growing; done when this module is loaded (main.ts imports it first). */
export function holdYoungGeneration(): void {
  if (!operatorChose) setFlagsFromString('--semi-space-growth-factor=1');
}

/** Lets it grow again, as V8 does by default (after the node has started). */
export function releaseYoungGeneration(): void {
  if (!operatorChose) setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
}

holdYoungGeneration();
