/**
 * The fake Cloud Run must refuse what the real Admin API v2 refuses, or the deploy tests prove
 * nothing: unknown fields, bad enum values, wrong JSON types, missing template, bad traffic;
 * and it must ignore OUTPUT_ONLY fields and demand a Google token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE, PROJECT, REGION, SERVICE_NAME, startWorld, type World } from './world.js';

let world: World;
let token: string;
beforeAll(async () => {
  world = await startWorld();
  token = world.google.identity.issue(
    { kind: 'service-account', id: 'deployer@acme-prod.iam.gserviceaccount.com', attributes: {}, pool: '' },
    'ya29.test-',
  ).token;
});
afterAll(async () => {
  await world.close();
});

async function patch(
  body: unknown,
  auth = `Bearer ${token}`,
): Promise<{ status: number; json: { error?: { status: string; message: string }; name?: string } }> {
  const response = await fetch(`${world.google.url}/v2/${SERVICE_NAME}?allowMissing=true`, {
    method: 'PATCH',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as never };
}

const valid = () => ({ name: SERVICE_NAME, template: { containers: [{ image: IMAGE }] } });

describe('fake Cloud Run Admin API v2 fidelity', () => {
  it('rejects an unknown field with 400 INVALID_ARGUMENT naming it', async () => {
    const { status, json } = await patch({
      ...valid(),
      template: { containers: [{ image: IMAGE, cpu: '2' }] },
    });
    expect(status).toBe(400);
    expect(json.error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringContaining('Unknown name "cpu"'),
    });
  });

  it('rejects an enum value that does not exist', async () => {
    const { status, json } = await patch({
      ...valid(),
      template: { ...valid().template, executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN3' },
    });
    expect(status).toBe(400);
    expect(json.error?.message).toContain('execution_environment');
  });

  it('rejects a wrong JSON type (a string for an int32, a number for a Duration)', async () => {
    expect(
      (await patch({ ...valid(), template: { ...valid().template, maxInstanceRequestConcurrency: 'lots' } }))
        .status,
    ).toBe(400);
    expect((await patch({ ...valid(), template: { ...valid().template, timeout: 60 } })).status).toBe(400);
  });

  it('rejects a service without its REQUIRED template', async () => {
    const { status, json } = await patch({ name: SERVICE_NAME });
    expect(status).toBe(400);
    expect(json.error?.message).toContain('template');
  });

  it('rejects traffic that does not add up to 100 and tags that are not DNS labels', async () => {
    expect(
      (await patch({ ...valid(), traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 90 }] }))
        .status,
    ).toBe(400);
    expect(
      (
        await patch({
          ...valid(),
          traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100, tag: 'PR_1' }],
        })
      ).status,
    ).toBe(400);
  });

  it('rejects label values that break GCP label rules', async () => {
    expect((await patch({ ...valid(), labels: { branch: 'feature/ABC' } })).status).toBe(400);
  });

  it('ignores OUTPUT_ONLY fields in a request, as the API does', async () => {
    const { status, json } = await patch({
      ...valid(),
      uri: 'https://evil.example',
      latestReadyRevision: 'x',
      uid: 'forged',
    });
    expect(status).toBe(200);
    expect(json.name).toMatch(new RegExp(`^projects/${PROJECT}/locations/${REGION}/operations/`));
  });

  it('demands a Google access token', async () => {
    expect((await patch(valid(), 'Bearer forged')).status).toBe(401);
  });
});
