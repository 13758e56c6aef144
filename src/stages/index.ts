/** The pipeline's stages in order. */

import { notBuiltStage } from './not-built.js';
import type { Stage } from './stage.js';

export const PIPELINE_STAGES: readonly Stage<unknown>[] = [
  notBuiltStage('cache'),
  notBuiltStage('build'),
  notBuiltStage('image'),
  notBuiltStage('deploy'),
  notBuiltStage('smoke'),
  notBuiltStage('report'),
] as Stage<unknown>[];
