// oidc-provider ships no type declarations; the tests use it only through test/support/oidc-provider.ts.
declare module 'oidc-provider';
