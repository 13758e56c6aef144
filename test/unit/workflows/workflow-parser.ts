/**
 * Loads GitHub's `@actions/workflow-parser` under Vitest. Its ESM build imports its JSON schemas
 * without `with { type: 'json' }`, which Node 24 refuses for externalized modules; a module hook
 * adds the attribute for that package's JSON files only, then the parser is imported as usual.
 */
import { registerHooks } from 'node:module';

registerHooks({
  load(url, context, nextLoad) {
    if (url.includes('/@actions/workflow-parser/') && url.endsWith('.json')) {
      return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
    }
    return nextLoad(url, context);
  },
});

export const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import(
  '@actions/workflow-parser'
);
