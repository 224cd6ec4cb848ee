// The customer list remembers where the user was (FIND, "list state"): the loaded rows and the next
// page cursor, the totals, the scroll position and the selection, per pool and list state. Kept in
// memory for the session, so that closing the detail drawer or navigating away and back returns to
// the same place instead of page one.
import type { Customer } from '@/api/customer'
import type { Id } from '@/api/http'

export interface ListSnapshot {
  key: string
  items: Customer[]
  nextCursor: string | null
  total: number
  totalExact: boolean
  totalKind: string
  scrollTop: number
  selectedIds: Id[]
  at: number
}

const MAX_AGE_MS = 30 * 60 * 1000
const snapshots = new Map<string, ListSnapshot>()

export function saveSnapshot(pool: string, snap: Omit<ListSnapshot, 'at'>): void {
  snapshots.set(pool, { ...snap, at: Date.now() })
}

/** The snapshot of this pool if it shows exactly this state (and is recent); used once. */
export function takeSnapshot(pool: string, key: string): ListSnapshot | null {
  const s = snapshots.get(pool)
  snapshots.delete(pool)
  if (!s || s.key !== key || Date.now() - s.at > MAX_AGE_MS) return null
  return s
}

/** The page's scroll container (the layout's main area). */
export function scroller(): HTMLElement | null {
  return document.querySelector('.hk-layout-content')
}

/** The remembered list of a pool, left in place (the customer's full page steps through its rows; the
 * list takes it back when the user returns). Null when it is not this state or too old. */
export function peekSnapshot(pool: string, key: string): ListSnapshot | null {
  const s = snapshots.get(pool)
  if (!s || s.key !== key || Date.now() - s.at > MAX_AGE_MS) return null
  return s
}

/** A customer changed (or left, `fresh` null) while the list was away: its row in the remembered list too. */
export function patchSnapshotRow(pool: string, id: Id, fresh: Customer | null): void {
  const s = snapshots.get(pool)
  if (!s) return
  const i = s.items.findIndex((c) => String(c.id) === String(id))
  if (i < 0) return
  const items = [...s.items]
  if (fresh) items.splice(i, 1, fresh)
  else {
    items.splice(i, 1)
    s.total = Math.max(0, s.total - 1)
  }
  s.items = items
}
