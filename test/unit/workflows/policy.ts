/**
 * The workflow policy checker moved to src/setup/workflow-policy.ts (doctor uses it too); this
 * re-export keeps existing imports (test/unit/setup/init.test.ts) working.
 */
export * from '../../../src/setup/workflow-policy.js';
