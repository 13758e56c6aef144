/** The tool's name and version, recorded in every result file. */
import packageJson from '../package.json' with { type: 'json' };

export const TOOL_NAME = 'orchestra-perf';
export const TOOL_VERSION: string = packageJson.version;
