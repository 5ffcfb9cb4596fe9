import { ConfigService, registerAs } from '@nestjs/config';
import type { HypercacheConfig } from './config.types.js';

/** The `ConfigModule` namespace that carries the configuration validated once at boot (docs/configuration.md §1). */
export const CONFIG_NAMESPACE = 'hypercache';

export interface ConfigNamespaces {
  [CONFIG_NAMESPACE]: HypercacheConfig;
}

/** `ConfigModule.forRoot({ load: [...] })` entry: hands over the already-validated object, no second pass. */
export const configNamespace = (config: HypercacheConfig) => registerAs(CONFIG_NAMESPACE, () => config);

/** What a module injects to read the configuration; `hypercache(service)` gives the typed object. */
export type HypercacheConfigService = ConfigService<ConfigNamespaces, true>;

export function hypercache(service: HypercacheConfigService): HypercacheConfig {
  return service.get(CONFIG_NAMESPACE, { infer: true });
}
