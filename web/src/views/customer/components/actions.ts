// Which pool moves a viewer may start, from /me (permissions, role kind), the pool shown and the rows
// picked. The server checks everything again; this only keeps buttons that would always fail away.
import type { Customer, PoolKey } from '@/api/customer'
import type { BulkAction } from '@/api/pool'

export type PoolAction = BulkAction | 'claim' | 'merge'

interface Rule {
  /** every permission is needed */
  perms: string[]
  /** pools (list pages) where it is offered */
  pools: PoolKey[]
  /** not for sales roles (they act on their own customers only) */
  nonSales?: boolean
  /** how many rows it takes */
  min?: number
  max?: number
  /** offered only when some picked row is (not) in this state */
  when?: (rows: Customer[]) => boolean
  danger?: boolean
}

const OWNED_VIEWS: PoolKey[] = ['all', 'following', 'mine', 'focus', 'assisting']
const LIVE_VIEWS: PoolKey[] = ['all', 'potential', 'to_assign', 'following', 'public', 'mine', 'assisting', 'won', 'focus']

export const ACTION_RULES: Record<PoolAction, Rule> = {
  'mark-valid': { perms: ['pool.potential'], pools: ['potential'] },
  assign: { perms: ['customer.assign'], pools: ['all', 'potential', 'to_assign', 'public'], nonSales: true },
  claim: { perms: ['customer.claim'], pools: ['public'], min: 1, max: 1 },
  recycle: { perms: ['customer.recycle'], pools: OWNED_VIEWS },
  transfer: { perms: ['customer.transfer'], pools: [...OWNED_VIEWS, 'won'], nonSales: true },
  tag: { perms: ['customer.edit'], pools: LIVE_VIEWS },
  merge: { perms: ['customer.edit'], pools: LIVE_VIEWS, min: 2, max: 5 },
  lock: { perms: ['customer.recycle'], pools: OWNED_VIEWS, when: (r) => r.some((c) => !c.locked) },
  unlock: { perms: ['customer.recycle'], pools: OWNED_VIEWS, when: (r) => r.some((c) => c.locked) },
  deactivate: { perms: ['customer.edit'], pools: [...OWNED_VIEWS, 'won'], when: (r) => r.some((c) => !c.deactivated) },
  reactivate: { perms: ['customer.edit'], pools: [...OWNED_VIEWS, 'won'], when: (r) => r.some((c) => c.deactivated) },
  blacklist: { perms: ['customer.edit'], pools: LIVE_VIEWS, when: (r) => r.some((c) => !c.blacklisted) },
  unblacklist: { perms: ['customer.edit'], pools: LIVE_VIEWS, when: (r) => r.some((c) => c.blacklisted) },
  delete: {
    perms: ['customer.delete'],
    pools: ['all', 'potential', 'to_assign', 'following', 'public', 'mine', 'assisting', 'focus'],
    danger: true,
  },
  restore: { perms: ['pool.recycle_bin'], pools: ['recycle_bin'] },
  purge: { perms: ['pool.recycle_bin', 'customer.delete'], pools: ['recycle_bin'], danger: true },
}

/** The order of the selection bar; per pool, the first few are buttons, the rest sit under 更多. */
const ORDER: PoolAction[] = [
  'claim',
  'mark-valid',
  'assign',
  'transfer',
  'recycle',
  'restore',
  'tag',
  'merge',
  'lock',
  'unlock',
  'deactivate',
  'reactivate',
  'blacklist',
  'unblacklist',
  'delete',
  'purge',
]
const PRIMARY = new Set<PoolAction>(['claim', 'mark-valid', 'assign', 'transfer', 'recycle', 'restore', 'purge', 'tag'])

export interface Viewer {
  can: (perm: string[]) => boolean
  isSales: boolean
}

export function actionAllowed(a: PoolAction, pool: PoolKey, viewer: Viewer, rows: Customer[]): boolean {
  const r = ACTION_RULES[a]
  if (!r.pools.includes(pool) || !viewer.can(r.perms)) return false
  if (r.nonSales && viewer.isSales) return false
  if (r.when && rows.length && !r.when(rows)) return false
  return true
}

/** Actions for the selection bar: the ones that fit the selection size are enabled. */
export function barActions(pool: PoolKey, viewer: Viewer, rows: Customer[]) {
  const list = ORDER.filter((a) => actionAllowed(a, pool, viewer, rows)).map((a) => {
    const r = ACTION_RULES[a]
    const n = rows.length
    const fits = (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max)
    return { action: a, danger: !!r.danger, disabled: !fits, primary: PRIMARY.has(a) }
  })
  const primary = list.filter((x) => x.primary).slice(0, 4)
  const more = list.filter((x) => !primary.includes(x))
  return { primary, more }
}

/** Where the customers go (for the confirmation): the pool they land in, if the move decides it. */
export const TARGET_POOL: Partial<Record<PoolAction, string>> = {
  'mark-valid': 'to_assign',
  assign: 'following',
  claim: 'mine',
  recycle: 'public',
  transfer: 'following',
  delete: 'recycle_bin',
}
