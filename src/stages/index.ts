/** The pipeline's stages in order. */

import { buildStage } from './build/index.js';
import { cacheStage } from './cache/index.js';
import { deployStage } from './deploy/index.js';
import { notBuiltStage } from './not-built.js';
import { imageStage } from './image/index.js';
import type { Stage } from './stage.js';

export const PIPELINE_STAGES: readonly Stage<unknown>[] = [
  cacheStage,
  buildStage,
  imageStage,
  deployStage,
  notBuiltStage('smoke'),
  notBuiltStage('report'),
] as Stage<unknown>[];
