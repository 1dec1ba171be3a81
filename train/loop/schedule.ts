// Learning-rate schedules: linear warm-up, then constant, cosine decay (Loshchilov & Hutter 2017,
// SGDR, without restarts) or step decay (×0.1 at 50 % and 75 % of training).
import type { TrainConfig } from '../config/schema';

export type ScheduleConfig = Pick<
  TrainConfig,
  'learningRate' | 'lrSchedule' | 'warmupSteps' | 'minLearningRate'
>;

export function learningRateAt(step: number, totalSteps: number, c: ScheduleConfig): number {
  if (c.warmupSteps > 0 && step < c.warmupSteps) return (c.learningRate * (step + 1)) / c.warmupSteps;
  const span = Math.max(1, totalSteps - c.warmupSteps);
  const progress = Math.min(1, (step - c.warmupSteps) / span);
  switch (c.lrSchedule) {
    case 'constant':
      return c.learningRate;
    case 'cosine':
      return (
        c.minLearningRate + 0.5 * (c.learningRate - c.minLearningRate) * (1 + Math.cos(Math.PI * progress))
      );
    case 'step':
      return c.learningRate * (progress >= 0.75 ? 0.01 : progress >= 0.5 ? 0.1 : 1);
  }
}
