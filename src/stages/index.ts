/** The pipeline's stages in order. */

import { buildStage } from './build/index.js';
import { notBuiltStage } from './not-built.js';
import { imageStage } from './image/index.js';
import type { Stage } from './stage.js';

export const PIPELINE_STAGES: readonly Stage<unknown>[] = [
  notBuiltStage('cache'),
  buildStage,
  imageStage,
  notBuiltStage('deploy'),
  notBuiltStage('smoke'),
  notBuiltStage('report'),
] as Stage<unknown>[];
