/**
 * The sticky PR comment: the hidden marker first (the GitHub adapter finds the comment by it),
 * then the report. Under GitHub's 65,536-character limit by default.
 */
import { commentMarker } from './escape.js';
import { type ReportInput, renderReport } from './render.js';

export { commentMarker } from './escape.js';
export type { ReportInput } from './render.js';

export const COMMENT_MAX_LENGTH = 65_536;

export function renderComment(input: ReportInput): string {
  const marker = commentMarker(input.environment);
  return renderReport(input, [marker], input.maxLength ?? COMMENT_MAX_LENGTH);
}
