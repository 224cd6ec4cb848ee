// Statistics (SALES-8) and the work panel (SALES-9). Every figure carries `drill`: the list whose rows
// it counts (same data scope, same conditions), opened by the pages in views/stats.
import { API_BASE, http, type Id } from './http'

export type PeriodKey = 'this_month' | 'last_month' | 'this_quarter' | 'this_year' | 'custom'
export type ListKind = 'customers' | 'opportunities' | 'orders' | 'payments' | 'followups' | 'tasks' | 'recycle_soon'

export interface Drill {
  list: ListKind
  path: string
  params: Record<string, string>
  url: string
}

export interface Figure {
  count: number
  /** money figures: a string with two decimals */
  amount: string | null
  drill: Drill
}

export interface Period {
  key: PeriodKey | 'today'
  since: string
  until: string
}

export interface Slice {
  key: string
  label: string
  figure: Figure
}

export interface CustomerStats {
  period: Period
  total: Figure
  new: Figure
  pools: Slice[]
  types: Slice[]
  sources: Slice[]
  industries: Slice[]
}

export interface StageFigure {
  stage_id: Id
  name: string
  kind: 'open' | 'won' | 'lost'
  win_rate: number
  figure: Figure
  weighted_amount: string
}

export interface OpportunityStats {
  owner_id: Id | null
  stages: StageFigure[]
  open: Figure
  won: Figure
  lost: Figure
  forecast: string
}

export interface SalespersonRow {
  employee_id: Id
  name: string
  department: string | null
  customers: Figure
  new_customers: Figure
  won_customers: Figure
  conversion_rate: string | null
  opportunities: Figure | null
  forecast: string | null
  deals: Figure | null
  followups: Figure
}

export interface SalespeopleStats {
  period: Period
  rows: SalespersonRow[]
}

export const CARD_KEYS = [
  'my_customers',
  'my_new_customers_month',
  'new_customers_month',
  'assisting_customers',
  'focus_customers',
  'public_customers',
  'followups_today',
  'my_followups_month',
  'tasks_todo',
  'open_opportunities',
  'my_open_opportunities',
  'won_amount_month',
  'my_deals_month',
  'payments_month',
  'recycle_soon',
] as const
export type CardKey = (typeof CARD_KEYS)[number]

export interface Card {
  key: CardKey
  kind: 'count' | 'amount'
  figure: Figure
}

export interface PanelLayout {
  cards: CardKey[]
  available: CardKey[]
  is_default: boolean
}

export interface Panel extends PanelLayout {
  values: Card[]
}

export interface PeriodQuery {
  period: PeriodKey
  since?: string
  until?: string
}

export const getCustomerStats = (q: PeriodQuery) => http.get<CustomerStats>('/stats/customers', { ...q })
export const getOpportunityStats = (ownerId?: Id | null) =>
  http.get<OpportunityStats>('/stats/opportunities', { owner_id: ownerId ?? undefined })
export const getSalespeopleStats = (q: PeriodQuery) => http.get<SalespeopleStats>('/stats/salespeople', { ...q })
export const getPanel = () => http.get<Panel>('/stats/panel')
export const putPanelLayout = (cards: CardKey[]) => http.put<PanelLayout>('/stats/panel/layout', { cards })
export const resetPanelLayout = () => http.delete<void>('/stats/panel/layout')

/** A page of any drilled list (the path as the API gives it, with /api/v1). */
export function fetchDrillPage<T>(path: string, params: Record<string, string>, cursor?: string | null) {
  const rel = path.startsWith(API_BASE) ? path.slice(API_BASE.length) : path
  const limit = rel === '/tasks/todo' ? 100 : 200
  return http.get<{ items: T[]; next_cursor?: string | null }>(rel, { ...params, limit, cursor: cursor || undefined })
}
