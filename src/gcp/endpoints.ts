/**
 * Where the Google APIs live. Derived from the universe domain (googleapis.com, or a sovereign
 * cloud's domain); each endpoint can also be overridden by an environment variable so tests and
 * private endpoints can point the same code at another host.
 */
export interface GoogleEndpoints {
  universeDomain: string;
  /** STS token exchange: `https://sts.<domain>/v1/token`. */
  stsTokenUrl: string;
  /** IAM Credentials base: `https://iamcredentials.<domain>`. */
  iamCredentialsUrl: string;
  /** Cloud Run Admin API base: `https://run.<domain>`. */
  cloudRunUrl: string;
}

export const ENDPOINT_ENV = {
  sts: 'ORCHESTRA_PERF_GOOGLE_STS_URL',
  iamCredentials: 'ORCHESTRA_PERF_GOOGLE_IAM_CREDENTIALS_URL',
  cloudRun: 'ORCHESTRA_PERF_GOOGLE_CLOUD_RUN_URL',
} as const;

export function googleEndpoints(universeDomain: string, env: NodeJS.ProcessEnv = {}): GoogleEndpoints {
  const strip = (url: string) => url.replace(/\/+$/, '');
  return {
    universeDomain,
    stsTokenUrl: env[ENDPOINT_ENV.sts]
      ? strip(env[ENDPOINT_ENV.sts]!)
      : `https://sts.${universeDomain}/v1/token`,
    iamCredentialsUrl: strip(env[ENDPOINT_ENV.iamCredentials] || `https://iamcredentials.${universeDomain}`),
    cloudRunUrl: strip(env[ENDPOINT_ENV.cloudRun] || `https://run.${universeDomain}`),
  };
}

/** The `generateAccessToken` URL that impersonates `email`. */
export function impersonationUrl(endpoints: GoogleEndpoints, email: string): string {
  return `${endpoints.iamCredentialsUrl}/v1/projects/-/serviceAccounts/${email}:generateAccessToken`;
}
