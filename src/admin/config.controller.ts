import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '../common/api-docs.js';
import { RequireScope } from '../auth/auth.decorators.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { CONFIG, NODE } from '../seams/tokens.js';
import { type ConfigView, configView } from './config-view.js';
import { ApiConfigView } from './views.openapi.js';

@ApiTags('config')
@Controller()
export class ConfigController {
  constructor(
    @Inject(CONFIG) private readonly hypercacheConfig: HypercacheConfig,
    @Inject(NODE) private readonly node: CacheNodeApi,
  ) {}

  @Get('config')
  @RequireScope('read')
  @ApiOperation({ summary: 'Effective configuration, secrets redacted' })
  @ApiConfigView()
  config(): ConfigView {
    return configView(this.hypercacheConfig, this.node.snapshot());
  }
}
