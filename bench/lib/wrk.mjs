// wrk: installation check (Debian package, `.ci/run`-style: install when missing) and one bounded run.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { installCleanup, pinHarness, start } from './procs.mjs';

const SCRIPT = fileURLToPath(new URL('../wrk/kv.lua', import.meta.url));

function wrkVersion() {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (r.error) return null;
  return (/wrk (\S+)/.exec(r.stdout + r.stderr)?.[1]) ?? 'unknown';
}

/** Returns wrk's version, installing the Debian package when it is missing (root, apt). */
export function ensureWrk() {
  let v = wrkVersion();
  if (v) return v;
  process.stderr.write('bench: wrk not found, installing the Debian package (apt-get install -y wrk)\n');
  const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 300_000 });
  let r = apt(['install', '-y', 'wrk']);
  if (r.status !== 0) { apt(['update']); r = apt(['install', '-y', 'wrk']); }
  v = wrkVersion();
  if (!v) throw new Error('wrk is not installed and apt-get install -y wrk failed; install wrk and rerun');
  return v;
}

/**
 * The set-up of a script that drives servers with wrk (ab, profile, sustained): processes stopped on
 * exit, wrk present, this process pinned like the benchmark. Returns the CPU sets (`pinHarness`).
 */
export function startLoadHarness() {
  installCleanup();
  ensureWrk();
  return pinHarness();
}

export function wrkPath() {
  return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim();
}

/**
 * One wrk run. op: 'get' | 'put'. Returns rps, latency percentiles (ms) and error counts.
 * Bounded: wrk is killed if it has not finished 20 s after its duration.
 */
export async function runWrk({ url, op, valueBytes, keyCount, prefix, token, keysFile, connections, threads, durationS, cpus, timeoutS = 5 }) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${durationS}s`, '--timeout', `${timeoutS}s`,
    '-s', SCRIPT, url, '--', op, String(valueBytes), String(keyCount), prefix, token ?? '-', keysFile ?? ''];
  let json;
  const proc = await start({ name: `wrk ${op}`, cmd: 'wrk', args, cpus, timeoutMs: (durationS + 20) * 1000,
    ready: (line) => line.startsWith('BENCH_JSON ') && JSON.parse(line.slice(11)) });
  json = proc.ready;
  await proc.exited;
  const seconds = json.duration_us / 1e6;
  const ms = (us) => Math.round(us / 10) / 100;
  const errors = json.errors.connect + json.errors.read + json.errors.write + json.errors.timeout;
  return {
    requests: json.requests,
    rps: Math.round(json.requests / seconds),
    p50_ms: ms(json.latency_us.p50),
    p90_ms: ms(json.latency_us.p90),
    p99_ms: ms(json.latency_us.p99),
    p999_ms: ms(json.latency_us.p999),
    max_ms: ms(json.latency_us.max),
    non2xx: json.errors.status,
    socket_errors: errors,
    errors_detail: json.errors,
    duration_s: seconds,
  };
}
