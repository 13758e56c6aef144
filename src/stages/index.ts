/** The pipeline's stages in order. */
import type { Stage } from './stage.js';
import { notBuiltStage } from './not-built.js';

export const PIPELINE_STAGES: readonly Stage<unknown>[] = [
  notBuiltStage('cache'),
  notBuiltStage('build'),
  notBuiltStage('image'),
  notBuiltStage('deploy'),
  notBuiltStage('smoke'),
  notBuiltStage('report'),
] as Stage<unknown>[];
