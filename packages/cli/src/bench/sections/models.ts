// What the same fault costs with other tools' analysis settings, computed from their parameters.
// These are MODEL figures (the minimum time their analysis needs to reach a rollback), not
// measurements: Flagger rolls back after `threshold` failed checks run every `interval`; Argo
// Rollouts' AnalysisRun fails when failures exceed `failureLimit`, i.e. after failureLimit+1
// measurements taken every `interval`.

export interface ModelFigure {
  tool: 'flagger' | 'argo-rollouts';
  settings: string;
  intervalSeconds: number;
  checks: number;
  /** Seconds from the first bad measurement to the rollback decision (lower bound). */
  secondsToRollback: number;
  source: string;
}

export function flaggerModel(intervalSeconds: number, threshold: number, label: string): ModelFigure {
  return {
    tool: 'flagger',
    settings: `${label}: interval ${intervalSeconds}s × threshold ${threshold}`,
    intervalSeconds,
    checks: threshold,
    secondsToRollback: intervalSeconds * threshold,
    source: 'https://docs.flagger.app/usage/how-it-works (analysis.interval, analysis.threshold)',
  };
}

export function argoModel(intervalSeconds: number, failureLimit: number, label: string): ModelFigure {
  return {
    tool: 'argo-rollouts',
    settings: `${label}: interval ${intervalSeconds}s × (failureLimit ${failureLimit} + 1)`,
    intervalSeconds,
    checks: failureLimit + 1,
    secondsToRollback: intervalSeconds * (failureLimit + 1),
    source: 'https://argo-rollouts.readthedocs.io/en/stable/features/analysis/ (interval, failureLimit)',
  };
}

export function competitorModels(): ModelFigure[] {
  return [
    flaggerModel(60, 5, 'Flagger documented default'),
    flaggerModel(30, 5, 'Flagger typical'),
    flaggerModel(30, 10, 'Flagger typical (conservative)'),
    argoModel(60, 3, 'Argo Rollouts example'),
  ];
}
