/**
 * The services the image stage takes from the pipeline, declared into StageServices by
 * declaration merging so the entries can provide them with types.
 */
import type { RegistryCredentials } from '../../adapters/registry.js';

declare module '../stage.js' {
  interface StageServices {
    /** A short-lived Google access token (the deploy stage's WIF credentials), for Artifact Registry logins. */
    googleAccessToken?: () => Promise<string>;
    /** Credentials for any registry host (tests, other registries); undefined: none for that host. */
    registryCredentials?: (registry: string) => Promise<RegistryCredentials | undefined>;
  }
}
