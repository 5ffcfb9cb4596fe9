import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its initial size while the node boots (docs/operations.md, memory
 * sizing). V8 doubles the semi-spaces after a scavenge in which many objects survived, and booting
 * (loading the modules, building the three Nest applications) is nothing but surviving objects:
 * left alone, boot grows the new space to its maximum (2 × 16 MiB on 64-bit) and V8 keeps it until
 * its memory reducer runs, so an idle node held about 30 MiB of RSS for an allocation burst that
 * never repeats. `--semi-space-growth-factor` is a documented V8 flag (`node --v8-options`) that V8
 * reads at each growth decision, so setting it at run time works: 1 while booting (no growth), and
 * once the listeners serve, 16: the first growth under load (V8 grows after a megabyte or so of
 * survivors) goes straight from the initial 1 MiB to the 16 MiB maximum, where the new space of a
 * node without this setting has been since boot. With V8's default factor 2 instead, the new space
 * stayed small for many seconds of load, and writes cost up to 40 % more CPU meanwhile (measured
 * with bench/ab.mjs, PUT 4 KiB: 1.37× with 2, 1.00× without the hold).
 *
 * A node started with its own `--semi-space-growth-factor` or `--max-semi-space-size` (in the
 * command line or NODE_OPTIONS) is left alone.
 */
/** Initial semi-space 1 MiB × 16 = the 16 MiB maximum of 64-bit V8: one step. */
const GROWTH_FACTOR_AFTER_BOOT = 16;

const operatorChose = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) =>
  /^--(max[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/.test(a),
);

/** Stops the young generation from growing; done when this module is loaded (main.ts imports it first). */
export function holdYoungGeneration(): void {
  if (!operatorChose) setFlagsFromString('--semi-space-growth-factor=1');
}

/** Lets it grow again, to its maximum at the first growth (after the node has started). */
export function releaseYoungGeneration(): void {
  if (!operatorChose) setFlagsFromString(`--semi-space-growth-factor=${GROWTH_FACTOR_AFTER_BOOT}`);
}

holdYoungGeneration();
