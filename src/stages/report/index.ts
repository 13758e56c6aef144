/**
 * The report stage: optional (a comment or summary that cannot be written is a warning), except
 * that `fail-on-regression` turns a regression into a GateError (exit 1) once everything is written.
 */
import type { Stage } from '../stage.js';
import { executeReport } from './execute.js';
import { planReport, type ReportPlan } from './plan.js';

export type { ReportPlan } from './plan.js';

export const reportStage: Stage<ReportPlan> = {
  name: 'report',
  policy: 'optional',
  plan: planReport,
  execute: executeReport,
};
