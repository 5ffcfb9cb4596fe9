import { Controller, Get, Inject } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators.js';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { hypercache, type HypercacheConfigService } from '../config/config.namespace.js';
import { type ConfigView, configView } from './config-view.js';
import { ApiConfigView } from './views.openapi.js';

@ApiTags('config')
@Controller()
export class ConfigController {
  constructor(
    @Inject(CORE) private readonly core: Core,
    @Inject(ConfigService) private readonly configService: HypercacheConfigService,
  ) {}

  @Get('config')
  @RequireScope('read')
  @ApiOperation({ summary: 'Effective configuration, secrets redacted' })
  @ApiConfigView()
  config(): ConfigView {
    return configView({ config: hypercache(this.configService), node: this.core.node });
  }
}
