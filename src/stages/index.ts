/** The pipeline's stages in order. */

import { buildStage } from './build/index.js';
import { cacheStage } from './cache/index.js';
import { deployStage } from './deploy/index.js';
import { imageStage } from './image/index.js';
import { reportStage } from './report/index.js';
import { smokeStage } from './smoke/index.js';
import type { Stage } from './stage.js';

export const PIPELINE_STAGES: readonly Stage<unknown>[] = [
  cacheStage,
  buildStage,
  imageStage,
  deployStage,
  smokeStage,
  reportStage,
] as Stage<unknown>[];
