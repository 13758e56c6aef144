/**
 * The job summary: the same report as the comment, without the marker. Always written, also when
 * the comment cannot be (forks, read-only tokens). GitHub caps a step summary at 1 MiB.
 */
import { type ReportInput, renderReport } from './render.js';

export const SUMMARY_MAX_LENGTH = 1024 * 1024;

export function renderSummary(input: ReportInput): string {
  return renderReport(input, [], input.maxLength ?? SUMMARY_MAX_LENGTH);
}
