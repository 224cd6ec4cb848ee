// The field catalogue and each pool's list view (columns, pinned filter fields), kept in memory for the
// session: coming back to the list shows its columns and filter bar at once, so nothing above the rows
// grows after a remembered scroll position has been restored (scroll anchoring would shift it). The
// page still fetches both again and replaces what is kept here.
import type { FieldMeta, ListView } from '@/api/find'

let fields: FieldMeta[] = []
const views = new Map<string, ListView>()

export const cachedFields = (): FieldMeta[] => fields
export function rememberFields(f: FieldMeta[]): void {
  fields = f
}
export const cachedView = (pool: string): ListView | null => views.get(pool) || null
export function rememberView(pool: string, v: ListView | null): void {
  if (v) views.set(pool, v)
  else views.delete(pool)
}
