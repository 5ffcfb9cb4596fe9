import { getConfigToken } from '@nestjs/config';
import { CONFIG_NAMESPACE } from '../config/config.namespace.js';
/**
 * Injection tokens for what the composition root (main.ts → bootstrap/) builds once per process
 * and hands to each of the three Nest apps. A feature injects the one it needs, never the whole
 * bag (docs/architecture.md "Seams"). Each token names the type its value has.
 */

/** The `CacheNodeApi` facade of the node (core/node.types.ts). */
export const NODE = Symbol('NODE');
/**
 * The validated `HypercacheConfig` (config/config.types.ts), provided by `ConfigModule` as the
 * `hypercache` namespace: this is that namespace's `registerAs` injection token
 * (config/config.namespace.ts), so modules read the configuration through @nestjs/config.
 */
export const CONFIG = getConfigToken(CONFIG_NAMESPACE);
/** The process's pino `Logger`. */
export const LOGGER = Symbol('LOGGER');
/** The core's `Clock` (core/time/clock.ts): wall time as the node reads it. */
export const CLOCK = Symbol('CLOCK');
/** The client and management listeners' `AuthPolicy` (auth/auth-policy.ts). */
export const AUTH_POLICY = Symbol('AUTH_POLICY');
/** The `MembershipDriver` (membership/membership-driver.ts) that runs the node's SWIM machine. */
export const MEMBERSHIP = Symbol('MEMBERSHIP');
/** `ProcessInfo` (seams/process-info.ts): start time and version. */
export const PROCESS_INFO = Symbol('PROCESS_INFO');
