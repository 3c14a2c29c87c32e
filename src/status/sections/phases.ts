import { notMeasured, type SectionProvider } from '../sections.js';

export interface PhaseTask {
  phase: number;
  id: string;
  title: string;
  kind: 'apply' | 'check' | 'cleanup' | 'job';
  state: 'done' | 'pending' | 'failed';
  doneAt?: Date;
  /** Where the state comes from: the check that passed or failed, the job that applied it. */
  source?: string;
}

export interface PhaseProgress {
  phases: { number: number; title: string; done: number; total: number }[];
  /** Every task in phase order. */
  tasks: PhaseTask[];
  /** Objects applied by kind in the period (handoffs). */
  appliedByKind?: Record<string, number>;
  source: string;
}

/**
 * Phase progress from the phase runbooks' task states. This deployment records none yet: the phase
 * commands store them, and until they do the section says so instead of showing a percentage.
 */
export const phaseProgress: SectionProvider<PhaseProgress, { since?: Date }> = {
  title: 'Phase progress',
  async collect() {
    return notMeasured('no phase runbook state is recorded in this deployment yet (the `phase` commands record it).');
  },
};
