/**
 * Google Cloud naming rules checked before any network call, so that a typo fails in
 * milliseconds with a fix instead of minutes later as a 400 from an API.
 */
export const CLOUD_RUN_REGIONS = [
  'africa-south1',
  'asia-east1',
  'asia-east2',
  'asia-northeast1',
  'asia-northeast2',
  'asia-northeast3',
  'asia-south1',
  'asia-south2',
  'asia-southeast1',
  'asia-southeast2',
  'australia-southeast1',
  'australia-southeast2',
  'europe-central2',
  'europe-north1',
  'europe-north2',
  'europe-southwest1',
  'europe-west1',
  'europe-west2',
  'europe-west3',
  'europe-west4',
  'europe-west6',
  'europe-west8',
  'europe-west9',
  'europe-west10',
  'europe-west12',
  'me-central1',
  'me-central2',
  'me-west1',
  'northamerica-northeast1',
  'northamerica-northeast2',
  'northamerica-south1',
  'southamerica-east1',
  'southamerica-west1',
  'us-central1',
  'us-east1',
  'us-east4',
  'us-east5',
  'us-south1',
  'us-west1',
  'us-west2',
  'us-west3',
  'us-west4',
] as const;

type Check = string | undefined; // undefined: valid; otherwise the reason and fix

/** Cloud Run service names: lowercase letters, digits and hyphens, a letter first, at most 49. */
export function checkServiceName(name: string): Check {
  if (name.length > 49) return `is ${name.length} characters; Cloud Run allows at most 49`;
  if (!/^[a-z]/.test(name)) return 'must start with a lowercase letter';
  if (!/^[a-z0-9-]+$/.test(name)) return 'may contain only lowercase letters, digits and hyphens';
  if (name.endsWith('-')) return 'must not end with a hyphen';
  return undefined;
}

export function checkRegion(region: string): Check {
  if ((CLOUD_RUN_REGIONS as readonly string[]).includes(region)) return undefined;
  const near = nearest(region, CLOUD_RUN_REGIONS);
  return `is not a Cloud Run region${near ? ` (did you mean ${near}?)` : ''}; zones such as us-central1-a are not regions either`;
}

/** Project IDs: 6-30 characters, lowercase letters, digits, hyphens, a letter first, no hyphen last. */
export function checkProjectId(id: string): Check {
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(id)) {
    return 'is not a project ID (6-30 lowercase letters, digits and hyphens, starting with a letter)';
  }
  return undefined;
}

const PROVIDER =
  /^projects\/(\d+)\/locations\/global\/workloadIdentityPools\/([a-z0-9-]{1,32})\/providers\/([a-z0-9-]{1,32})$/;

/** The full provider resource name that STS expects as the audience of the exchange. */
export function checkWorkloadIdentityProvider(value: string): Check {
  if (value !== value.trim()) return 'has leading or trailing spaces; remove them';
  if (PROVIDER.test(value)) return undefined;
  const fix =
    'use the full name printed by `gcloud iam workload-identity-pools providers describe PROVIDER --workload-identity-pool=POOL --location=global --format="value(name)"`: projects/<project NUMBER>/locations/global/workloadIdentityPools/<pool>/providers/<provider>';
  const projectPart = /^projects\/([^/]+)\//.exec(value)?.[1];
  if (projectPart && !/^\d+$/.test(projectPart)) {
    return `names project "${projectPart}" by ID; the provider name needs the project NUMBER (\`gcloud projects describe ${projectPart} --format="value(projectNumber)"\`)`;
  }
  if (/^[a-z0-9-]+$/.test(value)) return `looks like a pool or provider ID alone; ${fix}`;
  if (value.includes('/workloadIdentityPools/') && !value.includes('/providers/')) {
    return `names a pool, not a provider; ${fix}`;
  }
  return `is not a workload identity provider name; ${fix}`;
}

export function checkServiceAccountEmail(email: string): Check {
  if (/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/.test(email))
    return undefined;
  if (/^[\w.-]+@[\w.-]+\.gserviceaccount\.com$/.test(email)) return undefined; // Google-managed accounts
  return 'is not a service account email (NAME@PROJECT_ID.iam.gserviceaccount.com)';
}

/** Memory as Cloud Run takes it: `512Mi`, `2Gi`, from 128Mi to 32Gi. */
export function checkMemory(value: string): Check {
  const match = /^(\d+)(Mi|Gi)$/.exec(value);
  if (!match) return 'must be a number with Mi or Gi, e.g. 512Mi or 2Gi';
  const mib = Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
  if (mib < 128 || mib > 32 * 1024) return 'must be between 128Mi and 32Gi';
  return undefined;
}

/** CPU as Cloud Run takes it: a whole number 1, 2, 4, 6, 8, or a fraction/milliCPU below 1. */
export function checkCpu(value: string): Check {
  if (/^(1|2|4|6|8)$/.test(value)) return undefined;
  if (/^0?\.\d+$/.test(value) && Number(value) >= 0.08) return undefined;
  if (/^\d+m$/.test(value) && Number.parseInt(value, 10) >= 80 && Number.parseInt(value, 10) <= 8000)
    return undefined;
  return 'must be 1, 2, 4, 6 or 8 (or a fraction such as 0.5 or 500m)';
}

function nearest(value: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const distance = editDistance(value, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
