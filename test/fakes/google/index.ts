/** The local Google: fake GitHub OIDC issuer, STS, IAM Credentials and Cloud Run Admin v2. */
export { type FakeGoogle, startFakeGoogle } from './fake-google.js';
export type { FakeProvider } from './identity.js';
export { DEFAULT_CLAIMS, type FakeOidcIssuer, startFakeOidcIssuer } from './oidc-issuer.js';
