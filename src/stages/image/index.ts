/** The image stage: `docker buildx build --push` by digest, cache chosen from the builder. */
import type { Stage } from '../stage.js';
import { executeImage } from './execute.js';
import { type ImagePlan, planImage } from './plan.js';
import { logoutAndCleanUp } from './registry-auth.js';
import './services.js';

export const imageStage: Stage<ImagePlan> = {
  name: 'image',
  // Deploy depends on the digest: a failed image build fails the run.
  policy: 'required',
  plan: planImage,
  execute: executeImage,
  post: logoutAndCleanUp,
};

export type { ImagePlan } from './plan.js';
