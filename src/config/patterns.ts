/** Value patterns shared by the env schema, the seed list and the auth config file (docs/configuration.md). */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** Bearer tokens: 1–4096 visible ASCII characters (0x21–0x7E). */
export const TOKEN_PATTERN = /^[\x21-\x7E]{1,4096}$/;

/** OIDC audience and claim names: 1–256 characters, no whitespace. */
export const NO_WHITESPACE_256 = /^\S{1,256}$/u;
