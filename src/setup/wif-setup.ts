/**
 * The one-time Google setup for Workload Identity Federation, as values: exact gcloud argument
 * arrays and an equivalent Terraform snippet. Least privilege by construction: the provider only
 * accepts tokens from one repository (numeric IDs, which survive renames and cannot be squatted),
 * the deployer gets only what a Cloud Run deploy needs, and production is bound to the GitHub
 * environment's OIDC subject. No keys are ever created.
 */
export interface WifSetupInput {
  projectId: string;
  /** Numeric project number; when unknown, commands use $PROJECT_NUMBER and say how to get it. */
  projectNumber?: string | undefined;
  region: string;
  /** `owner/name` of the GitHub repository. */
  repository: string;
  /** Numeric IDs; when unknown, $REPOSITORY_ID / $REPOSITORY_OWNER_ID with the command to get them. */
  repositoryId?: string | undefined;
  repositoryOwnerId?: string | undefined;
  pool?: string;
  provider?: string;
  deployer?: string;
  /** The service account the Cloud Run revision runs as. */
  runtimeServiceAccount?: string | undefined;
  /** Artifact Registry repository that receives the images. */
  artifactRepository?: string;
  /** Cloud Run service, for the environments' variables. */
  service?: string | undefined;
  /** GitHub environments that deploy to production get their own deployer bound to that environment. */
  productionEnvironment?: string | undefined;
}

export interface SetupCommand {
  why: string;
  argv: string[];
  /** Sets a shell variable from the command's output (printed form `NAME=$(...)`). */
  captures?: string;
}

export interface WifSetup {
  commands: SetupCommand[];
  providerName: string;
  serviceAccount: string;
  productionServiceAccount: string | undefined;
  terraform: string;
  /** Values for every GitHub environment's `vars` (names the shipped workflows read). */
  variables: Record<string, string>;
  /** Overrides for the production environment's `vars`. */
  productionVariables: Record<string, string>;
}

/** `${NAME}`: filled by the shell from an earlier command's output (`NAME=$(...)`). */
function shellVariable(name: string): string {
  return `\${${name}}`;
}

export const DEPLOYER_ROLES = ['roles/run.developer'] as const;

export function planWifSetup(input: WifSetupInput): WifSetup {
  const pool = input.pool ?? 'github';
  const provider = input.provider ?? 'github-oidc';
  const deployer = input.deployer ?? 'orchestra-deployer';
  const artifactRepository = input.artifactRepository ?? 'apps';
  const project = input.projectId;
  const number = input.projectNumber ?? shellVariable('PROJECT_NUMBER');
  const repositoryId = input.repositoryId ?? shellVariable('REPOSITORY_ID');
  const ownerId = input.repositoryOwnerId ?? shellVariable('REPOSITORY_OWNER_ID');
  const serviceAccount = `${deployer}@${project}.iam.gserviceaccount.com`;
  const runtime = input.runtimeServiceAccount ?? `${number}-compute@developer.gserviceaccount.com`;
  const poolPath = `projects/${number}/locations/global/workloadIdentityPools/${pool}`;
  const providerName = `${poolPath}/providers/${provider}`;
  const condition = `assertion.repository_owner_id == '${ownerId}' && assertion.repository_id == '${repositoryId}'`;
  const mapping = [
    'google.subject=assertion.sub',
    'attribute.repository_id=assertion.repository_id',
    'attribute.repository_owner_id=assertion.repository_owner_id',
    'attribute.repository=assertion.repository',
    'attribute.environment=assertion.environment',
  ].join(',');

  const commands: SetupCommand[] = [];
  if (!input.projectNumber) {
    commands.push({
      why: 'Look up the project number (WIF names use the number, not the ID)',
      argv: ['gcloud', 'projects', 'describe', project, '--format=value(projectNumber)'],
      captures: 'PROJECT_NUMBER',
    });
  }
  if (!input.repositoryId || !input.repositoryOwnerId) {
    commands.push(
      {
        why: `Look up the numeric ID of ${input.repository} (the condition uses IDs: a renamed or re-created repository cannot take over)`,
        argv: ['gh', 'api', `repos/${input.repository}`, '--jq', '.id'],
        captures: 'REPOSITORY_ID',
      },
      {
        why: 'Look up the numeric ID of its owner',
        argv: ['gh', 'api', `repos/${input.repository}`, '--jq', '.owner.id'],
        captures: 'REPOSITORY_OWNER_ID',
      },
    );
  }
  commands.push(
    {
      why: 'Enable the APIs the deploy uses',
      argv: [
        'gcloud',
        'services',
        'enable',
        'iamcredentials.googleapis.com',
        'sts.googleapis.com',
        'run.googleapis.com',
        'artifactregistry.googleapis.com',
        `--project=${project}`,
      ],
    },
    {
      why: 'Create a workload identity pool for GitHub Actions',
      argv: [
        'gcloud',
        'iam',
        'workload-identity-pools',
        'create',
        pool,
        `--project=${project}`,
        '--location=global',
        '--display-name=GitHub Actions',
      ],
    },
    {
      why: `Create the GitHub OIDC provider, accepting tokens from ${input.repository} only`,
      argv: [
        'gcloud',
        'iam',
        'workload-identity-pools',
        'providers',
        'create-oidc',
        provider,
        `--project=${project}`,
        '--location=global',
        `--workload-identity-pool=${pool}`,
        '--display-name=GitHub OIDC',
        '--issuer-uri=https://token.actions.githubusercontent.com',
        `--attribute-mapping=${mapping}`,
        `--attribute-condition=${condition}`,
      ],
    },
    ...deployerCommands({
      project,
      region: input.region,
      account: deployer,
      serviceAccount,
      runtime,
      artifactRepository,
      member: `principalSet://iam.googleapis.com/${poolPath}/attribute.repository_id/${repositoryId}`,
      scope: `any workflow of ${input.repository}`,
    }),
  );

  let productionServiceAccount: string | undefined;
  if (input.productionEnvironment) {
    const prodAccount = `${deployer}-prod`.slice(0, 30);
    productionServiceAccount = `${prodAccount}@${project}.iam.gserviceaccount.com`;
    commands.push(
      ...deployerCommands({
        project,
        region: input.region,
        account: prodAccount,
        serviceAccount: productionServiceAccount,
        runtime,
        artifactRepository,
        member: `principal://iam.googleapis.com/${poolPath}/subject/repo:${input.repository}:environment:${input.productionEnvironment}`,
        scope: `only jobs of ${input.repository} running in the GitHub environment "${input.productionEnvironment}" (its required reviewers gate every token)`,
      }),
    );
  }

  return {
    commands,
    providerName,
    serviceAccount,
    productionServiceAccount,
    terraform: renderTerraform({ ...input, pool, provider, deployer, artifactRepository, mapping }),
    variables: {
      GCP_PROJECT_ID: project,
      GCP_REGION: input.region,
      ...(input.service ? { CLOUD_RUN_SERVICE: input.service } : {}),
      ORCHESTRA_PERF_WIF_PROVIDER: providerName,
      ORCHESTRA_PERF_SERVICE_ACCOUNT: serviceAccount,
    },
    productionVariables: productionServiceAccount
      ? { ORCHESTRA_PERF_SERVICE_ACCOUNT: productionServiceAccount }
      : {},
  };
}

function deployerCommands(options: {
  project: string;
  region: string;
  account: string;
  serviceAccount: string;
  runtime: string;
  artifactRepository: string;
  member: string;
  scope: string;
}): SetupCommand[] {
  const { project, serviceAccount } = options;
  const asMember = `serviceAccount:${serviceAccount}`;
  return [
    {
      why: `Create the deployer service account ${serviceAccount} (no keys: it is only impersonated through WIF)`,
      argv: [
        'gcloud',
        'iam',
        'service-accounts',
        'create',
        options.account,
        `--project=${project}`,
        '--display-name=orchestra-perf deployer',
      ],
    },
    {
      why: 'Let it deploy Cloud Run revisions (roles/run.developer: no IAM admin, no project-wide editor)',
      argv: [
        'gcloud',
        'projects',
        'add-iam-policy-binding',
        project,
        `--member=${asMember}`,
        '--role=roles/run.developer',
        '--condition=None',
      ],
    },
    {
      why: 'Let it attach the runtime service account to revisions, on that one account only',
      argv: [
        'gcloud',
        'iam',
        'service-accounts',
        'add-iam-policy-binding',
        options.runtime,
        `--project=${project}`,
        `--member=${asMember}`,
        '--role=roles/iam.serviceAccountUser',
      ],
    },
    {
      why: `Let it push images to the Artifact Registry repository ${options.artifactRepository} only`,
      argv: [
        'gcloud',
        'artifacts',
        'repositories',
        'add-iam-policy-binding',
        options.artifactRepository,
        `--project=${project}`,
        `--location=${options.region}`,
        `--member=${asMember}`,
        '--role=roles/artifactregistry.writer',
      ],
    },
    {
      why: `Let ${options.scope} impersonate it`,
      argv: [
        'gcloud',
        'iam',
        'service-accounts',
        'add-iam-policy-binding',
        serviceAccount,
        `--project=${project}`,
        '--role=roles/iam.workloadIdentityUser',
        `--member=${options.member}`,
      ],
    },
  ];
}

function renderTerraform(
  input: WifSetupInput & {
    pool: string;
    provider: string;
    deployer: string;
    artifactRepository: string;
    mapping: string;
  },
): string {
  const ownerId = input.repositoryOwnerId ?? 'REPLACE_WITH_OWNER_ID';
  const repositoryId = input.repositoryId ?? 'REPLACE_WITH_REPOSITORY_ID';
  const mapping = input.mapping
    .split(',')
    .map((pair) => pair.split('='))
    .map(([key, value]) => `    "${key}" = "${value}"`)
    .join('\n');
  const runtime = input.runtimeServiceAccount
    ? `"projects/${input.projectId}/serviceAccounts/${input.runtimeServiceAccount}"`
    : `"projects/${input.projectId}/serviceAccounts/\${data.google_project.this.number}-compute@developer.gserviceaccount.com"`;
  const deployers = [
    {
      id: 'deployer',
      accountId: input.deployer,
      member: `principalSet://iam.googleapis.com/\${google_iam_workload_identity_pool.github.name}/attribute.repository_id/${repositoryId}`,
    },
    ...(input.productionEnvironment
      ? [
          {
            id: 'deployer_prod',
            accountId: `${input.deployer}-prod`.slice(0, 30),
            member: `principal://iam.googleapis.com/\${google_iam_workload_identity_pool.github.name}/subject/repo:${input.repository}:environment:${input.productionEnvironment}`,
          },
        ]
      : []),
  ];
  const deployerBlocks = deployers
    .map(
      (deployer) => `
resource "google_service_account" "${deployer.id}" {
  project      = "${input.projectId}"
  account_id   = "${deployer.accountId}"
  display_name = "orchestra-perf ${deployer.id}"
}

resource "google_project_iam_member" "${deployer.id}_run" {
  project = "${input.projectId}"
  role    = "roles/run.developer"
  member  = "serviceAccount:\${google_service_account.${deployer.id}.email}"
}

resource "google_service_account_iam_member" "${deployer.id}_acts_as_runtime" {
  service_account_id = ${runtime}
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:\${google_service_account.${deployer.id}.email}"
}

resource "google_artifact_registry_repository_iam_member" "${deployer.id}_push" {
  project    = "${input.projectId}"
  location   = "${input.region}"
  repository = "${input.artifactRepository}"
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:\${google_service_account.${deployer.id}.email}"
}

resource "google_service_account_iam_member" "${deployer.id}_wif" {
  service_account_id = google_service_account.${deployer.id}.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "${deployer.member}"
}
`,
    )
    .join('');
  return `data "google_project" "this" {
  project_id = "${input.projectId}"
}

resource "google_iam_workload_identity_pool" "github" {
  project                   = "${input.projectId}"
  workload_identity_pool_id = "${input.pool}"
  display_name              = "GitHub Actions"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  project                            = "${input.projectId}"
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "${input.provider}"
  display_name                       = "GitHub OIDC"
  attribute_mapping = {
${mapping}
  }
  attribute_condition = "assertion.repository_owner_id == '${ownerId}' && assertion.repository_id == '${repositoryId}'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}
${deployerBlocks}`;
}
