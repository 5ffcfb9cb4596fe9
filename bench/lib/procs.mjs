// Child-process bookkeeping for the benchmark: every process is started here, pinned with taskset when
// asked, remembered by PID, and stopped by PID at the end, on failure, on Ctrl-C and on SIGTERM.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

const running = new Map(); // pid → { name, child }
let haveTaskset;

export function tasksetAvailable() {
  if (haveTaskset === undefined) {
    try { execFileSync('taskset', ['-V'], { stdio: 'ignore' }); haveTaskset = true; } catch { haveTaskset = false; }
  }
  return haveTaskset;
}

/** Pins an already running process (e.g. this harness) to a CPU list. */
export function pinPid(pid, cpus) {
  if (!cpus || !tasksetAvailable()) return false;
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  return true;
}

/** CPU list a process is allowed on, from /proc (what the kernel actually applies). */
export function cpusOf(pid) {
  const m = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? m[1] : '?';
}

/**
 * Starts `cmd args` (under `taskset -c cpus` when cpus is given; taskset execs, so the PID is the
 * command's own) and resolves once `ready(line)` returns a truthy value for a stdout line, with that
 * value. Stdout/stderr keep being drained; the last lines are kept for error messages.
 */
export function start({ name, cmd, args = [], env = process.env, cpus, ready, timeoutMs = 30_000 }) {
  const argv = cpus && tasksetAvailable() ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args];
  const child = spawn(argv[0], argv[1], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const proc = { name, child, pid: child.pid, tail: [], exited: null };
  running.set(child.pid, proc);
  proc.exited = new Promise((r) => child.on('exit', (code, signal) => { running.delete(child.pid); r({ code, signal }); }));
  const keep = (line) => { proc.tail.push(line); if (proc.tail.length > 40) proc.tail.shift(); };
  let errBuf = '';
  child.stderr.on('data', (d) => { errBuf += d; const ls = errBuf.split('\n'); errBuf = ls.pop(); ls.forEach(keep); });
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => finish(new Error(`${name} not ready within ${timeoutMs} ms:\n${proc.tail.join('\n')}`)), timeoutMs);
    function finish(err, value) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) { stop(proc, 'SIGKILL'); reject(err); } else resolve(Object.assign(proc, { ready: value }));
    }
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const line of lines) {
        keep(line);
        if (!done && ready) { const v = ready(line); if (v) finish(null, v); }
      }
    });
    child.on('error', (e) => finish(e));
    child.on('exit', (code, signal) => finish(new Error(`${name} exited (${code ?? signal}) before ready:\n${proc.tail.join('\n')}`)));
    if (!ready) finish(null, true);
  });
}

/** Sends a signal to one process by PID and waits (bounded) for it to exit; SIGKILL after graceMs. */
export async function stop(proc, signal = 'SIGTERM', graceMs = 5_000) {
  if (!running.has(proc.pid)) return proc.exited;
  try { process.kill(proc.pid, signal); } catch { /* already gone */ }
  const timer = setTimeout(() => { try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
  const r = await proc.exited;
  clearTimeout(timer);
  return r;
}

export async function stopAll(signal = 'SIGKILL') {
  await Promise.all([...running.values()].map((p) => stop(p, signal)));
}

export function runningCount() {
  return running.size;
}

/** Kills every remaining child by PID synchronously (exit path) and on Ctrl-C / SIGTERM. */
export function installCleanup() {
  const killSync = () => { for (const pid of running.keys()) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } } };
  process.on('exit', killSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { process.stderr.write(`\nbench: ${sig}, stopping ${running.size} process(es) by PID\n`); killSync(); process.exit(130); });
  }
  process.on('uncaughtException', (e) => { process.stderr.write(`bench: ${e.stack ?? e}\n`); killSync(); process.exit(1); });
  process.on('unhandledRejection', (e) => { process.stderr.write(`bench: ${e?.stack ?? e}\n`); killSync(); process.exit(1); });
}

export async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** RSS and VmHWM of a PID in bytes, from /proc/<pid>/status. */
export function procMemory(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s*(\\d+) kB`).exec(s)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export function exists(path) { return existsSync(path); }

const CLK_TCK = (() => { try { return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { return 100; } })();

/** CPU seconds (user + system) a PID has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}

/**
 * The benchmark's CPU split, applied to this harness: servers on every CPU but the last, the load
 * generator and the harness on the last (nothing when taskset is missing or there is one CPU).
 */
export function pinHarness() {
  const cores = availableParallelism();
  const pin = cores >= 2 && tasksetAvailable() ? { servers: cores === 2 ? '0' : `0-${cores - 2}`, load: String(cores - 1) } : {};
  if (pin.load) pinPid(process.pid, pin.load);
  return pin;
}
