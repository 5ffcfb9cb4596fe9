import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '../common/api-docs.js';
import { Public, RequireScope } from '../auth/auth.decorators.js';
import { ApiErrors } from './api-errors.decorator.js';
import { CommittedDocument } from './committed-document.js';

const YAML_OK = { description: 'The OpenAPI 3.1 document of this listener', content: { 'application/yaml': { schema: { type: 'string' } } } };

/** Client `GET /v1/openapi.yaml` (docs/api.md §1.14): public. */
@ApiTags('docs')
@Controller()
export class ClientOpenApiController {
  constructor(@Inject(CommittedDocument) private readonly doc: CommittedDocument) {}

  @Get('v1/openapi.yaml')
  @Public()
  @Header('content-type', 'application/yaml')
  @ApiOperation({ summary: 'This OpenAPI document (the explorer is at /docs)' })
  @ApiOkResponse(YAML_OK)
  @ApiErrors(500)
  openapi(): string {
    return this.doc.yaml();
  }
}

/** Management `GET /openapi.yaml` (docs/api.md §2): scope read. */
@ApiTags('docs')
@Controller()
export class ManagementOpenApiController {
  constructor(@Inject(CommittedDocument) private readonly doc: CommittedDocument) {}

  @Get('openapi.yaml')
  @RequireScope('read')
  @Header('content-type', 'application/yaml')
  @ApiOperation({ summary: 'This OpenAPI document' })
  @ApiOkResponse(YAML_OK)
  @ApiErrors(500)
  openapi(): string {
    return this.doc.yaml();
  }
}
