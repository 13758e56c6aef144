/**
 * The environment a build task sees: the runner's, minus the credentials this action was given
 * (a build script, a dependency's postinstall or a test must not be able to read our tokens), plus
 * the task's own `env`. Every `INPUT_*` goes too: action inputs can carry tokens and are ours.
 */
const STRIPPED = new Set([
  'GITHUB_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_RUNTIME_TOKEN',
]);

export function isStrippedVariable(name: string): boolean {
  return STRIPPED.has(name.toUpperCase()) || name.toUpperCase().startsWith('INPUT_');
}

export function taskEnvironment(
  inherited: NodeJS.ProcessEnv,
  own: Readonly<Record<string, string>>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(inherited)) {
    if (value !== undefined && !isStrippedVariable(name)) env[name] = value;
  }
  // The user's own values win: a task that is given a token explicitly in the config gets it.
  return { ...env, ...own };
}
