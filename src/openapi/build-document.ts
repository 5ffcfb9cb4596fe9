import type { INestApplication } from '@nestjs/common';
import * as swagger from '@nestjs/swagger';
import { type RouteAccess, routeTable } from '../auth/route-policy.js';
import type { ListenerName } from '../auth/scope.guard.js';
import { packageVersion } from '../common/package-version.js';
import { applyRecordedApiDocs } from '../common/api-docs.js';
import { applyRouteSecurity } from './apply-route-security.js';
import { ErrorResponse } from './error-response.dto.js';
import { LISTENER_DOCUMENTS } from './listener-documents.js';
import { normalizeDocument } from './normalize-document.js';
import { type OpenApiDocument, operations } from './openapi-json.js';
import { addMutualTlsScheme, addNodeHeader, declareTags, shareErrorEnvelope } from './shared-components.js';

/**
 * The OpenAPI 3.1 document of one listener app (docs/openapi-conventions.md §1): scanned from its controllers by
 * @nestjs/swagger (with the @Api* declarations of common/api-docs.ts applied first), then auth written from route metadata, listener-wide headers added, and the
 * result normalised so that regenerating gives the same bytes. What controllers must declare
 * themselves is in docs/openapi-conventions.md.
 */
export function buildOpenApiDocument(app: INestApplication, listener: ListenerName): OpenApiDocument {
  applyRecordedApiDocs(swagger); // the controllers' @Api* declarations (common/api-docs.ts)
  const meta = LISTENER_DOCUMENTS[listener];
  const builder = new swagger.DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(meta.title)
    .setDescription(meta.description)
    .setVersion(packageVersion())
    .setLicense('MPL-2.0', 'https://www.mozilla.org/en-US/MPL/2.0/')
    .addServer('/', `This listener (default address \`${meta.defaultAddress}\`)`)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: listener === 'dist' ? 'The peer token (`HYPERCACHE_DIST_TOKEN`, else `HYPERCACHE_AUTH_TOKEN`)' : 'A static token or an OIDC JWT access token',
        bearerFormat: undefined, // static tokens are not JWTs
      },
      'bearer',
    );
  // Remember which handler each operation ID came from, so auth is read from that handler's metadata.
  const handlerOf = new Map<string, string>();
  const raw = swagger.SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ErrorResponse],
    autoTagControllers: false,
    operationIdFactory: (controller, method) => {
      const id = `${controller}_${method.replace(/\[(\d+)\]$/, '_$1')}`;
      handlerOf.set(id, handlerKey(controller, method.replace(/\[\d+\]$/, '')));
      return id;
    },
  });
  // A JSON round trip drops undefined fields and shared object references (no YAML anchors).
  const doc = JSON.parse(JSON.stringify(raw)) as OpenApiDocument;

  const access = accessByHandler(app, listener);
  applyRouteSecurity(doc, listener, (id) => {
    const key = handlerOf.get(id);
    return key === undefined ? undefined : access.get(key);
  });
  addMutualTlsScheme(doc, listener);
  shareErrorEnvelope(doc);
  addNodeHeader(doc, listener);
  declareTags(doc, listener);
  dropEmpty(doc);
  return normalizeDocument(doc);
}

/** Each handler's access rule from the route policy, keyed `<ControllerClass>.<method>` as operation IDs name them. */
function accessByHandler(app: INestApplication, listener: ListenerName): Map<string, RouteAccess> {
  const access = new Map<string, RouteAccess>();
  const byName = new Map<string, unknown>();
  for (const route of routeTable(app, listener)) {
    const { name } = route.controller;
    // Operation IDs are `<class>_<method>`, so two controller classes of one name would collide.
    if ((byName.get(name) ?? route.controller) !== route.controller) throw new Error(`two controllers named ${name} in one app`);
    byName.set(name, route.controller);
    access.set(handlerKey(name, route.handlerName), route.access);
  }
  return access;
}

const handlerKey = (controllerName: string, methodName: string) => `${controllerName}.${methodName}`;

/** Leftovers of DocumentBuilder defaults and undecorated handlers: `contact: {}`, `parameters: []`. */
function dropEmpty(doc: OpenApiDocument): void {
  if (Object.keys((doc.info.contact as object | undefined) ?? {}).length === 0) delete doc.info.contact;
  for (const { op } of operations(doc)) {
    if (Array.isArray(op.parameters) && op.parameters.length === 0) delete op.parameters;
  }
}
