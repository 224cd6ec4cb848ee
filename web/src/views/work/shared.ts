// Helpers shared by the "working a customer" views: labels for server codes, times, employee and
// stage choices.
import { ref } from 'vue'
import { listEmployees } from '@/api/employee'
import { getDictionaries, type DictItem } from '@/api/dictionary'
import type { Id } from '@/api/http'
import { tOr } from '@/locales'
import { useUserStore } from '@/stores/user'

export type TagType = 'primary' | 'success' | 'warning' | 'info' | 'danger'

/** Labels the UI owns for server codes, falling back to the code itself. */
export const methodLabel = (m: string | null | undefined) => (m ? tOr(`work.method.${m}`, m) : '')
export const taskTypeLabel = (x: string) => tOr(`work.task.types.${x}`, x)
export const planTypeLabel = (x: string) => tOr(`work.visit.planTypes.${x}`, x)
export const visitMethodLabel = (x: string) => tOr(`work.visit.methods.${x}`, x)
export const satisfactionLabel = (x: string) => tOr(`work.visit.satisfaction.${x}`, x)

export const SATISFACTION_COLOR: Record<string, string> = {
  very_satisfied: '#00b42a',
  satisfied: '#2f6bff',
  neutral: '#ff9a2e',
  dissatisfied: '#f53f3f',
}

export function satisfactionTag(x: string): TagType {
  switch (x) {
    case 'very_satisfied':
      return 'success'
    case 'satisfied':
      return 'primary'
    case 'neutral':
      return 'warning'
    default:
      return 'danger'
  }
}

export function methodTag(m: string): TagType {
  switch (m) {
    case 'phone':
      return 'primary'
    case 'wechat':
      return 'success'
    case 'visit':
    case 'onsite':
      return 'warning'
    default:
      return 'info'
  }
}

/** A picker's value (Date, ISO text or nothing) as the ISO text the API takes. */
export function toIso(v: Date | string | null | undefined): string | null {
  if (!v) return null
  const d = v instanceof Date ? v : new Date(v)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

/** Trimmed text, or null for nothing. */
export function textOrNull(s: string | null | undefined): string | null {
  const v = (s || '').trim()
  return v ? v : null
}

/** Percent with one decimal, or "—". */
export function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${Math.round(v * 10) / 10}%`
}

/** Whether a phone number came masked (the role lacks customer.phone_full). */
export const isMasked = (phone: string) => phone.includes('*')

export interface EmployeeOption {
  id: Id
  name: string
  username: string
  dept: string
}

/** Employees for pickers, by remote search; the caller is always offered. */
export function useEmployeeOptions(opts: { withMe?: boolean } = {}) {
  const user = useUserStore()
  const options = ref<EmployeeOption[]>([])
  const loading = ref(false)
  let seq = 0
  const known = new Map<Id, EmployeeOption>()

  function withMe(list: EmployeeOption[]) {
    const me = user.me
    if (opts.withMe !== false && me && !list.some((o) => o.id === me.id))
      return [{ id: me.id, name: me.name, username: me.username, dept: me.department_name || '' }, ...list]
    return list
  }

  async function search(q = '') {
    const mine = ++seq
    loading.value = true
    try {
      const res = await listEmployees({ q: q || undefined, limit: 50 }, { silent: true })
      const list = res.items
        .filter((e) => e.is_active)
        .map((e) => ({ id: e.id, name: e.name, username: e.username, dept: e.department_name || '' }))
      for (const o of list) known.set(o.id, o)
      if (mine === seq) options.value = withMe(list)
    } catch {
      if (mine === seq) options.value = withMe([])
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  /** Keep chosen entries selectable after another search (so their names stay shown). */
  function keep(ids: Id[]) {
    const extra = ids.map((i) => known.get(i)).filter((o): o is EmployeeOption => !!o)
    const have = new Set(options.value.map((o) => o.id))
    options.value = [...options.value, ...extra.filter((o) => !have.has(o.id))]
  }

  options.value = withMe([])
  return { options, loading, search, keep }
}

let stagesCache: Promise<string[]> | null = null

/** The tenant's follow-up stages (dictionary "stage"); empty when unknown. */
export function loadStages(): Promise<string[]> {
  if (!stagesCache) {
    const names = (items: DictItem[]): string[] =>
      items.filter((i) => i.is_active).flatMap((i) => [i.name, ...names(i.children || [])])
    stagesCache = getDictionaries()
      .then((d) => names(d.stage?.items || []))
      .catch(() => {
        stagesCache = null
        return []
      })
  }
  return stagesCache
}
