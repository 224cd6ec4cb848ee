// Where a figure's number leads: the customer list with the figure's pool and filter, the 即将回收 view,
// or the generic list page of views/stats (opportunities, orders, payments, follow-ups, tasks).
import type { RouteLocationRaw } from 'vue-router'
import type { Drill } from '@/api/stats'

export function drillRoute(d: Drill): RouteLocationRaw {
  if (d.list === 'customers') {
    const { pool, ...rest } = d.params
    return { path: `/customers/${pool || 'all'}`, query: rest }
  }
  if (d.list === 'recycle_soon') return { path: '/customers/mine', query: { view: 'recycle-soon' } }
  return { path: '/statistics/list', query: { list: d.list, ...d.params } }
}

/** "12,345.60" for a money string. */
export function formatMoney(v: string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—'
  const [int, dec] = String(v).split('.')
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (dec !== undefined ? '.' + dec : '')
}

/** 1,234,567.8 → "123.5万" style short money for chart labels (zh) or "1.2M" (en). */
export function shortMoney(v: string | number, lang: string): string {
  const n = Number(v)
  if (lang === 'en') {
    if (Math.abs(n) >= 1e6) return (n / 1e6).toFixed(1) + 'M'
    if (Math.abs(n) >= 1e3) return (n / 1e3).toFixed(1) + 'K'
    return n.toFixed(0)
  }
  if (Math.abs(n) >= 1e8) return (n / 1e8).toFixed(2) + '亿'
  if (Math.abs(n) >= 1e4) return (n / 1e4).toFixed(1) + '万'
  return n.toFixed(0)
}
