/** Facts about the running process that views and metrics show (uptime, build_info). */
export interface ProcessInfo {
  /** Epoch ms when the core was built. */
  readonly startedAt: number;
  /** The package version (common/package-version.ts). */
  readonly version: string;
}
