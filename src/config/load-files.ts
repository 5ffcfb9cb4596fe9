/**
 * File checks of boot (docs/lifecycle.md §2 steps 2–3, docs/configuration.md §4 "files"): the auth config, then the PEM files.
 * Synchronous; every failure is a FatalConfigError naming the variable and the path.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AuthConfigError, parseAuthConfig, type AuthPolicy } from './auth-config.js';
import type { HypercacheConfig } from './config.types.js';
import type { EnvVar } from './env.schema.js';
import { FatalConfigError } from './fatal-config.error.js';

export interface TlsKeyPair {
  cert: Buffer;
  key: Buffer;
}
export interface ApiTlsMaterial extends TlsKeyPair {
  /** Present for mTLS. */
  clientCa?: Buffer;
}
export interface DistTlsMaterial extends TlsKeyPair {
  ca: Buffer;
}
export interface LoadedFiles {
  authPolicy?: AuthPolicy;
  apiTls?: ApiTlsMaterial;
  distTls?: DistTlsMaterial;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function readFile(variable: EnvVar, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new FatalConfigError(`${variable}: cannot read file ${JSON.stringify(path)} (${code})`);
  }
}

export function loadAuthConfigFile(path: string, { oidcEnabled }: { oidcEnabled: boolean }): AuthPolicy {
  const fatal = (detail: string): FatalConfigError =>
    new FatalConfigError(`HYPERCACHE_AUTH_CONFIG: file ${JSON.stringify(path)}: ${detail}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFile('HYPERCACHE_AUTH_CONFIG', path));
  } catch (err) {
    if (err instanceof FatalConfigError) throw err;
    throw fatal('not valid UTF-8');
  }
  try {
    return parseAuthConfig(text, { oidcEnabled });
  } catch (err) {
    if (err instanceof AuthConfigError) throw fatal(err.message);
    throw err;
  }
}

/** Reads a file holding one or more PEM certificates; returns the buffer and the first (leaf) certificate. */
function readCertificates(variable: EnvVar, path: string): { pem: Buffer; leaf: X509Certificate } {
  const pem = readFile(variable, path);
  const blocks = pem.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw new FatalConfigError(`${variable}: file ${JSON.stringify(path)} holds no PEM certificate`);
  }
  const certificates = blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new FatalConfigError(`${variable}: file ${JSON.stringify(path)}: PEM certificate #${i + 1} is invalid`);
    }
  });
  return { pem, leaf: certificates[0]! };
}

function readPrivateKey(variable: EnvVar, path: string): { pem: Buffer; key: KeyObject } {
  const pem = readFile(variable, path);
  try {
    return { pem, key: createPrivateKey({ key: pem, format: 'pem' }) };
  } catch {
    throw new FatalConfigError(
      `${variable}: file ${JSON.stringify(path)} holds no usable PEM private key (unencrypted PKCS#8, PKCS#1 or SEC1)`,
    );
  }
}

function readKeyPair(certVar: EnvVar, certFile: string, keyVar: EnvVar, keyFile: string): TlsKeyPair {
  const cert = readCertificates(certVar, certFile);
  const key = readPrivateKey(keyVar, keyFile);
  let matches: boolean;
  try {
    matches = cert.leaf.checkPrivateKey(key.key);
  } catch {
    matches = false;
  }
  if (!matches) {
    throw new FatalConfigError(
      `${keyVar}: the key in ${JSON.stringify(keyFile)} does not match the certificate in ` +
        `${JSON.stringify(certFile)} (${certVar})`,
    );
  }
  return { cert: cert.pem, key: key.pem };
}

export function loadApiTls(files: NonNullable<HypercacheConfig['apiTls']>): ApiTlsMaterial {
  const pair = readKeyPair('HYPERCACHE_API_TLS_CERT', files.certFile, 'HYPERCACHE_API_TLS_KEY', files.keyFile);
  if (files.clientCaFile === undefined) return pair;
  return { ...pair, clientCa: readCertificates('HYPERCACHE_API_TLS_CLIENT_CA', files.clientCaFile).pem };
}

export function loadDistTls(files: NonNullable<HypercacheConfig['distTls']>): DistTlsMaterial {
  const pair = readKeyPair('HYPERCACHE_DIST_TLS_CERT', files.certFile, 'HYPERCACHE_DIST_TLS_KEY', files.keyFile);
  return { ...pair, ca: readCertificates('HYPERCACHE_DIST_TLS_CA', files.caFile).pem };
}

/** Runs after loadConfig: auth config file, then client API PEM files, then dist PEM files. */
export function loadFiles(
  config: Pick<HypercacheConfig, 'authConfigFile' | 'oidc' | 'apiTls' | 'distTls'>,
): LoadedFiles {
  const authPolicy =
    config.authConfigFile === undefined
      ? undefined
      : loadAuthConfigFile(config.authConfigFile, { oidcEnabled: config.oidc !== undefined });
  const apiTls = config.apiTls && loadApiTls(config.apiTls);
  const distTls = config.distTls && loadDistTls(config.distTls);
  return { authPolicy, apiTls, distTls };
}
