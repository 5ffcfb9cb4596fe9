import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '../common/api-docs.js';
import { Public } from '../auth/auth.decorators.js';

@ApiTags('health')
@Controller()
export class HealthzController {
  @Get('healthz')
  @Public()
  @Header('content-type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'Liveness of the client listener (also while draining)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'ok', schema: { type: 'string', example: 'ok' } })
  healthz(): string {
    return 'ok';
  }
}
