/**
 * What `orchestra-perf init` writes, as values: the config file(s) for the detected services and
 * the caller workflows made from the starter templates, pinned to one commit of the action.
 * Pure: detection, answers and templates in; files out. Nothing is written here.
 */
import { relative } from 'node:path';
import { stringify } from 'yaml';
import type { DetectedService, Detection } from './detect.js';

export interface InitAnswers {
  projectId: string;
  region: string;
  /** Service name for a single-service repository (monorepos use folder names). */
  service?: string | undefined;
  /** `owner/name` of the action repository whose reusable workflows the callers use. */
  actionRepository: string;
  /** 40-hex commit of that repository; callers are pinned to it. */
  actionSha: string;
  /** Artifact Registry repository for images. */
  artifactRepository?: string;
}

export interface PlannedFile {
  path: string;
  content: string;
}

export interface WorkflowTemplate {
  /** File name in workflows-templates/, e.g. orchestra-perf-pr-preview.yml. */
  name: string;
  content: string;
}

const TEMPLATE_ACTION = 'org/orchestra-perf-action';
const PINNED_USE =
  /(uses:\s*)org\/orchestra-perf-action(\/\.github\/workflows\/[\w.-]+\.ya?ml)@[0-9a-f]{40}/g;

export function configPathFor(detection: Detection, service: DetectedService): string {
  return detection.monorepo ? `.github/orchestra-perf/${service.name}.yml` : '.github/orchestra-perf.yml';
}

export function planInit(
  detection: Detection,
  answers: InitAnswers,
  templates: readonly WorkflowTemplate[],
): PlannedFile[] {
  if (!/^[0-9a-f]{40}$/.test(answers.actionSha))
    throw new Error(`action commit "${answers.actionSha}" is not a 40-hex SHA`);
  const files: PlannedFile[] = [];
  for (const service of detection.services) {
    const name = detection.monorepo ? service.name : (answers.service ?? service.name);
    files.push({ path: configPathFor(detection, service), content: renderConfig(service, name, answers) });
  }
  for (const service of detection.services) {
    const configPath = configPathFor(detection, service);
    for (const template of templates) {
      const file = detection.monorepo
        ? template.name.replace(/\.ya?ml$/, `-${service.name}.yml`)
        : template.name;
      let content = template.content
        .replace(PINNED_USE, `$1${answers.actionRepository}$2@${answers.actionSha}`)
        .replaceAll('config: .github/orchestra-perf.yml', `config: ${configPath}`);
      if (detection.monorepo)
        content = content
          .replace(/^name:\s*(.+)$/m, `name: $1 (${service.name})`)
          .replace(/(workflows:\s*\[)([^\]]+)\]/, `$1$2 (${service.name})]`);
      if (content.includes(TEMPLATE_ACTION)) {
        content = content.replaceAll(TEMPLATE_ACTION, answers.actionRepository);
      }
      files.push({ path: `.github/workflows/${file}`, content });
    }
  }
  return files;
}

function renderConfig(service: DetectedService, name: string, answers: InitAnswers): string {
  const repository = answers.artifactRepository ?? 'apps';
  const config: Record<string, unknown> = {};
  if (service.tasks.length > 0) config.build = { tasks: service.tasks };
  if (service.dockerfile) {
    config.image = {
      name: `${answers.region}-docker.pkg.dev/${answers.projectId}/${repository}/${name}`,
      context: service.directory,
      // Relative to the context, as the image stage reads it.
      dockerfile: relative(service.directory, service.dockerfile),
    };
  }
  config.deploy = {
    target: 'cloud-run',
    'project-id': answers.projectId,
    region: answers.region,
    service: name,
  };
  config.smoke = {
    duration: '20s',
    warmup: '3s',
    rate: 20,
    paths: ['/'],
    thresholds: ['p95<500ms', 'error-rate<1%'],
  };
  config.report = { comment: 'always', 'regression-threshold': '10%' };
  config.environments = { prod: { deploy: { 'min-instances': 1 } } };
  const header = [
    `# orchestra-perf config for ${name} (${service.language}${service.packageManager ? `, ${service.packageManager}` : ''}), written by \`orchestra-perf init\`.`,
    "# The WIF provider and service account come from the GitHub environments' variables (see the workflows).",
    '# Check it with `orchestra-perf validate --config <this file>`.',
  ].join('\n');
  return `${header}\n${stringify(config, { lineWidth: 0 })}`;
}
