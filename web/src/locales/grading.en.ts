// Automatic customer grading (POOL-16) — English. Same keys as grading.zh-CN.ts.
import type zh from './grading.zh-CN'

const grading: typeof zh = {
  tab: 'Automatic grading',
  intro:
    'Sets customer levels from the completed-order purchases in the window (and the latest deal). Rules are tried top to bottom; the first match wins. Levels are recomputed every night, and at once when enabled rules are saved.',
  enabled: 'Grade automatically',
  window: 'Window',
  windowDays: 'Purchases of the last',
  windowDaysUnit: 'days',
  windowYear: '365 days = yearly purchases',
  windowAll: 'All purchases ever',
  rules: 'Rules',
  order: 'Order',
  level: 'Level',
  minAmount: 'Purchases ≥',
  recency: 'Latest deal',
  recencyAny: 'Any time',
  withinDays: 'days (a deal within)',
  addRule: 'Add rule',
  maxRules: 'At most {n} rules',
  noRules: 'No rules yet',
  moveUp: 'Move up',
  moveDown: 'Move down',
  fallback: 'When none matches',
  fallbackKeep: 'Keep the level',
  fallbackHint: 'Customers no rule matches get this level; leave empty to keep their level.',
  override: 'Override levels set by hand',
  overrideHint: 'When off, levels set by hand (or imported) stay; only automatic and empty levels change.',
  pickLevel: 'Choose a level',
  levelRequired: 'Choose a level',
  invalidMoney: 'Enter an amount ≥ 0 with at most two decimals',
  apply: 'Apply now',
  applyConfirm: 'Regrade every customer now with the saved rules?',
  applyResult: 'Regraded: {n} customers changed level',
  savedChanged: 'Saved; {n} customers regraded by the new rules',
  lastRun: 'Last run: {at}, {n} customers changed level',
  neverRun: 'Automatic grading has not run yet',
  notSaved: 'These are the default rules (the level table); switch on and save to use them.',
  disabledHint: 'Automatic grading is off: saved rules do not run.',
  byLevel: '{level}: {n}',
  source: {
    auto: 'Automatic',
    manual: 'Set by hand',
  },
}

export default grading
