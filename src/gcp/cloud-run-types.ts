/**
 * The subset of the Cloud Run Admin API v2 resources (JSON form of google.cloud.run.v2) that the
 * deploy stage reads and writes. Field names are the API's; the fake checks them against the protos.
 */
export type TrafficType = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' | 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';

export interface TrafficTarget {
  type: TrafficType;
  revision?: string;
  percent?: number;
  tag?: string;
}

export interface TrafficTargetStatus extends TrafficTarget {
  uri?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueSource?: { secretKeyRef: { secret: string; version: string } };
}

export interface Container {
  name?: string;
  image: string;
  env?: EnvVar[];
  resources?: { limits?: Record<string, string>; cpuIdle?: boolean; startupCpuBoost?: boolean };
  ports?: { name?: string; containerPort?: number }[];
  [key: string]: unknown;
}

export interface RevisionTemplate {
  revision?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  scaling?: { minInstanceCount?: number; maxInstanceCount?: number };
  timeout?: string;
  serviceAccount?: string;
  containers: Container[];
  executionEnvironment?: 'EXECUTION_ENVIRONMENT_GEN1' | 'EXECUTION_ENVIRONMENT_GEN2';
  maxInstanceRequestConcurrency?: number;
  [key: string]: unknown;
}

export type ConditionState =
  | 'STATE_UNSPECIFIED'
  | 'CONDITION_PENDING'
  | 'CONDITION_RECONCILING'
  | 'CONDITION_FAILED'
  | 'CONDITION_SUCCEEDED';

export interface Condition {
  type?: string;
  state?: ConditionState;
  message?: string;
  reason?: string;
  revisionReason?: string;
}

export interface Service {
  name?: string;
  uid?: string;
  generation?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  template: RevisionTemplate;
  traffic?: TrafficTarget[];
  scaling?: { minInstanceCount?: number; maxInstanceCount?: number };
  observedGeneration?: string;
  terminalCondition?: Condition;
  conditions?: Condition[];
  latestReadyRevision?: string;
  latestCreatedRevision?: string;
  trafficStatuses?: TrafficTargetStatus[];
  uri?: string;
  urls?: string[];
  reconciling?: boolean;
  etag?: string;
  [key: string]: unknown;
}

export interface Revision {
  name: string;
  uid?: string;
  createTime?: string;
  labels?: Record<string, string>;
  conditions?: Condition[];
  reconciling?: boolean;
  containers?: Container[];
  [key: string]: unknown;
}

export interface Operation {
  name: string;
  done?: boolean;
  metadata?: Record<string, unknown>;
  response?: Record<string, unknown>;
  error?: { code: number; message: string; details?: unknown[] };
}
