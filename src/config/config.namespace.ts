import { registerAs } from '@nestjs/config';
import type { HypercacheConfig } from './config.types.js';

/**
 * The `ConfigModule` namespace that carries the configuration validated once at boot
 * (docs/configuration.md §1). Modules inject it with the namespace's token, the `CONFIG` seam
 * (`getConfigToken(CONFIG_NAMESPACE)`), or read it with `ConfigService.get(CONFIG_NAMESPACE)`.
 */
export const CONFIG_NAMESPACE = 'hypercache';

/** `ConfigModule.forRoot({ load: [...] })` entry: hands over the already-validated object, no second pass. */
export const configNamespace = (config: HypercacheConfig) => registerAs(CONFIG_NAMESPACE, () => config);
