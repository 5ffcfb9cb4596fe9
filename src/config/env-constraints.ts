/** Custom class-validator constraints for values that need a parser to check their range (docs/configuration.md §1, §2). */
import type { ValidationArguments } from 'class-validator';
import { ValidateBy } from './class-validator.js';
import { isUnspecifiedHost, parseAddress } from './address.js';
import { parseGoDuration } from './duration.js';
import { parsePeerNames } from './peer-names.js';
import { parseSeeds } from './seeds.js';
import { parseSize } from './size.js';

function constraint(
  name: string,
  isValid: (value: string) => boolean,
  expected: string | ((value: string) => string),
): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isValid(value),
      defaultMessage: (args?: ValidationArguments) =>
        typeof expected === 'string' ? expected : expected(String(args?.value)),
    },
  });
}

function succeeds(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

export function IsIntegerInRange(min: number, max: number): PropertyDecorator {
  return constraint(
    'isIntegerInRange',
    (v) => /^[0-9]+$/.test(v) && Number(v) >= min && Number(v) <= max,
    `expected an integer from ${min} to ${max}`,
  );
}

/** Go duration within [min, max] after truncation to ms; `allowZero` also admits 0 (feature off). */
export function IsDurationInRange(min: string, max: string, { allowZero = false } = {}): PropertyDecorator {
  const [lo, hi] = [parseGoDuration(min), parseGoDuration(max)];
  const inRange = (v: string): boolean => {
    // Negative durations are invalid for variables even when they truncate to 0 (`-0.5ms`).
    if (v.startsWith('-')) return false;
    const ms = parseGoDuration(v);
    return (allowZero && ms === 0) || (ms >= lo && ms <= hi);
  };
  return constraint(
    'isDurationInRange',
    (v) => succeeds(() => parseGoDuration(v)) && inRange(v),
    `expected ${allowZero ? '0 or ' : ''}a duration from ${min} to ${max} (Go syntax, e.g. 1m30s)`,
  );
}

const SIZE_SYNTAX = 'a size (digits with an optional KiB, MiB or GiB suffix)';

export function IsSize(range?: { min: string; max: string }): PropertyDecorator {
  if (!range) return constraint('isSize', (v) => succeeds(() => parseSize(v)), `expected ${SIZE_SYNTAX}`);
  const [lo, hi] = [parseSize(range.min), parseSize(range.max)];
  return constraint(
    'isSize',
    (v) => succeeds(() => parseSize(v)) && parseSize(v) >= lo && parseSize(v) <= hi,
    `expected ${SIZE_SYNTAX} from ${range.min} to ${range.max}`,
  );
}

export function IsListenAddress(minPort: number): PropertyDecorator {
  return constraint(
    'isListenAddress',
    (v) => succeeds(() => parseAddress(v, { minPort })),
    `expected host:port or :port (host a DNS name, IPv4 or [IPv6] literal) with a port from ${minPort} to 65535`,
  );
}

export function IsDialAddress(): PropertyDecorator {
  return constraint(
    'isDialAddress',
    (v) => succeeds(() => parseAddress(v, { minPort: 1 })) && !isUnspecifiedHost(parseAddress(v, { minPort: 1 }).host),
    'expected host:port with a concrete host (not empty, 0.0.0.0 or ::) and a port from 1 to 65535',
  );
}

/** The parser's complaint about `v`, or undefined when it parses. */
function problemOf(parse: (v: string) => unknown): (v: string) => string | undefined {
  return (v) => {
    try {
      parse(v);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
}

export function IsSeedList(): PropertyDecorator {
  const problem = problemOf(parseSeeds);
  return constraint(
    'isSeedList',
    (v) => problem(v) === undefined,
    (v) => `expected comma-separated id@host:port, host:port or dns+host:port entries; ${problem(v)}`,
  );
}

export function IsPeerNameList(): PropertyDecorator {
  const problem = problemOf(parsePeerNames);
  return constraint(
    'isPeerNameList',
    (v) => problem(v) === undefined,
    (v) => `expected comma-separated DNS names, each optionally starting with *. (one leftmost label); ${problem(v)}`,
  );
}

/** Absolute http(s) URL without query or fragment; the scheme is checked again by the loader to WARN on http. */
export function IsIssuerUrl(): PropertyDecorator {
  const isIssuer = (v: string): boolean => {
    if (!/^https?:\/\/\S+$/i.test(v) || v.includes('?') || v.includes('#')) return false;
    try {
      return new URL(v).hostname !== '';
    } catch {
      return false;
    }
  };
  return constraint('isIssuerUrl', isIssuer, 'expected an absolute https:// URL without query or fragment');
}
