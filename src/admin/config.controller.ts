import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators.js';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { type ConfigView, configView } from './config-view.js';
import { ApiConfigView } from './views.openapi.js';

@ApiTags('config')
@Controller()
export class ConfigController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get('config')
  @RequireScope('read')
  @ApiOperation({ summary: 'Effective configuration, secrets redacted' })
  @ApiConfigView()
  config(): ConfigView {
    return configView(this.core);
  }
}
