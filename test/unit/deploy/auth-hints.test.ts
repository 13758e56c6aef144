/** Credential failures mapped to the cause and fix, and endpoints derived from the universe domain. */
import { describe, expect, it } from 'vitest';
import { mapAuthError } from '../../../src/gcp/auth-hints.js';
import { googleEndpoints, impersonationUrl } from '../../../src/gcp/endpoints.js';
import { providerAudience } from '../../../src/gcp/github-oidc.js';

const PROVIDER = 'projects/1/locations/global/workloadIdentityPools/gh/providers/gh';
const sts = (error: string, description: string) =>
  Object.assign(new Error(`Error code ${error}: ${description}`), {
    response: { status: 400, data: { error, error_description: description } },
  });

describe('mapAuthError', () => {
  it('condition rejections point at the attribute condition and mapping', () => {
    const mapped = mapAuthError(
      sts('unauthorized_client', 'The given credential is rejected by the attribute condition.'),
      { provider: PROVIDER, repository: 'acme/api' },
    );
    expect(mapped.message).toContain('unauthorized_client');
    expect((mapped as { hint?: string }).hint).toMatch(/attribute condition.*acme\/api/);
  });

  it('invalid_grant about the token points at the condition/mapping; about the audience, at the provider name', () => {
    expect(
      (
        mapAuthError(sts('invalid_grant', 'Invalid JWT signature.'), { provider: PROVIDER }) as {
          hint?: string;
        }
      ).hint,
    ).toContain('attribute mapping');
    expect(
      (
        mapAuthError(
          sts('invalid_grant', 'The audience in ID Token [x] does not match the expected audience.'),
          { provider: PROVIDER },
        ) as { hint?: string }
      ).hint,
    ).toContain('full name');
    expect(
      (
        mapAuthError(
          sts('invalid_target', 'The target service indicated by the "audience" parameters is invalid.'),
          { provider: PROVIDER },
        ) as { hint?: string }
      ).hint,
    ).toContain('full name');
  });

  it('a 403 when impersonating names the principalSet binding and the role', () => {
    const error = Object.assign(new Error('Forbidden'), {
      response: {
        status: 403,
        data: {
          error: {
            code: 403,
            status: 'PERMISSION_DENIED',
            message: "Permission 'iam.serviceAccounts.getAccessToken' denied",
          },
        },
      },
    });
    const mapped = mapAuthError(error, {
      serviceAccount: 'deployer@acme-prod.iam.gserviceaccount.com',
      repository: 'acme/api',
    }) as { hint?: string; message: string };
    expect(mapped.message).toContain('iam.serviceAccounts.getAccessToken');
    expect(mapped.hint).toContain('roles/iam.workloadIdentityUser');
    expect(mapped.hint).toContain('attribute.repository/acme/api');
  });

  it('never carries the library error (it holds the request, subject token included) as its cause', () => {
    const error = Object.assign(sts('invalid_grant', 'x'), {
      config: { data: 'subject_token=secret.jwt.value' },
    });
    const mapped = mapAuthError(error, {});
    expect(mapped.cause).toBeUndefined();
    expect(JSON.stringify(mapped)).not.toContain('secret.jwt.value');
  });
});

describe('endpoints', () => {
  it('derive from the universe domain, and env overrides win', () => {
    expect(googleEndpoints('example-cloud.eu')).toEqual({
      universeDomain: 'example-cloud.eu',
      stsTokenUrl: 'https://sts.example-cloud.eu/v1/token',
      iamCredentialsUrl: 'https://iamcredentials.example-cloud.eu',
      cloudRunUrl: 'https://run.example-cloud.eu',
    });
    const overridden = googleEndpoints('googleapis.com', {
      ORCHESTRA_PERF_GOOGLE_CLOUD_RUN_URL: 'http://127.0.0.1:9/',
    });
    expect(overridden.cloudRunUrl).toBe('http://127.0.0.1:9');
    expect(impersonationUrl(overridden, 'a@b.iam.gserviceaccount.com')).toBe(
      'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/a@b.iam.gserviceaccount.com:generateAccessToken',
    );
    expect(providerAudience(PROVIDER)).toBe(`//iam.googleapis.com/${PROVIDER}`);
  });
});
