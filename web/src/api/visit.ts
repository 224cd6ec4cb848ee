// Return visits (回访): plans, records, statistics.
import { http, type Id } from './http'
import type { AttachmentFile } from './attachment'

export const PLAN_TYPES = ['periodic', 'new_customer', 'problem'] as const
export type PlanType = (typeof PLAN_TYPES)[number]
export const VISIT_METHODS = ['phone', 'onsite', 'video', 'wechat', 'other'] as const
export type VisitMethod = (typeof VISIT_METHODS)[number]
export const SATISFACTIONS = ['very_satisfied', 'satisfied', 'neutral', 'dissatisfied'] as const
export type Satisfaction = (typeof SATISFACTIONS)[number]
export type PlanStatus = 'planned' | 'done' | 'cancelled'
export type PlanStatusFilter = PlanStatus | 'overdue'

export interface VisitPlan {
  id: Id
  customer_id: Id
  customer_name: string | null
  type: PlanType
  planned_at: string
  topic: string
  owner_id: Id
  owner_name: string | null
  status: PlanStatus
  overdue: boolean
  remark: string | null
  created_by_id: Id | null
  created_at: string
  done_at: string | null
  record_id?: Id | null
}

export interface PlanInput {
  type: PlanType
  planned_at: string
  topic: string
  owner_id?: Id | null
  remark?: string | null
}

export interface VisitRecord {
  id: Id
  plan_id: Id | null
  customer_id: Id
  customer_name: string | null
  visitor_id: Id
  visitor_name: string | null
  visited_at: string
  method: VisitMethod
  content: string
  feedback: string | null
  satisfaction: Satisfaction
  problems: string | null
  actions: string | null
  created_at: string
  /** uploaded files (GET …/download) */
  files: AttachmentFile[]
}

export interface RecordInput {
  visited_at?: string | null
  method: VisitMethod
  content: string
  feedback?: string | null
  satisfaction: Satisfaction
  problems?: string | null
  actions?: string | null
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

export interface SatisfactionShare {
  very_satisfied: number
  satisfied: number
  neutral: number
  dissatisfied: number
  total: number
  /** percent of records, one decimal */
  shares: Partial<Record<Satisfaction, number>>
  satisfied_rate: number | null
}

export interface OwnerStats {
  owner_id: Id
  owner_name: string | null
  planned: number
  done: number
  cancelled: number
  overdue: number
  completion_rate: number | null
  records: number
  satisfaction: SatisfactionShare
}

export interface PeriodStats {
  period: string
  planned: number
  done: number
  records: number
  satisfied_rate: number | null
}

export interface VisitStats {
  since: string
  until: string
  planned: number
  done: number
  cancelled: number
  overdue: number
  completion_rate: number | null
  records: number
  satisfaction: SatisfactionShare
  by_owner: OwnerStats[]
  by_month: PeriodStats[]
}

type Paging = { cursor?: string | null; limit?: number }

export const listCustomerPlans = (customerId: Id, query: { status?: PlanStatusFilter } & Paging = {}) =>
  http.get<Page<VisitPlan>>(`/customers/${customerId}/visit-plans`, { ...query })
export const createPlan = (customerId: Id, body: PlanInput) =>
  http.post<VisitPlan>(`/customers/${customerId}/visit-plans`, body)
export const listCustomerRecords = (customerId: Id, query: Paging = {}) =>
  http.get<Page<VisitRecord>>(`/customers/${customerId}/visit-records`, { ...query })
/** A return visit without a plan. */
export const createAdhocRecord = (customerId: Id, body: RecordInput) =>
  http.post<VisitRecord>(`/customers/${customerId}/visit-records`, body)
export const listPlans = (
  query: { owner_id?: Id; mine?: boolean; status?: PlanStatusFilter; since?: string; until?: string } & Paging = {},
) => http.get<Page<VisitPlan>>('/visit-plans', { ...query })
export const getPlan = (id: Id) => http.get<VisitPlan>(`/visit-plans/${id}`)
export const updatePlan = (id: Id, body: Partial<PlanInput>) => http.patch<VisitPlan>(`/visit-plans/${id}`, body)
export const cancelPlan = (id: Id) => http.post<VisitPlan>(`/visit-plans/${id}/cancel`)
/** 记录回访 against a plan (409 plan_closed when it is no longer open). */
export const recordPlan = (id: Id, body: RecordInput) => http.post<VisitRecord>(`/visit-plans/${id}/record`, body)
export const listRecords = (
  query: { visitor_id?: Id; satisfaction?: Satisfaction; since?: string; until?: string } & Paging = {},
) => http.get<Page<VisitRecord>>('/visit-records', { ...query })
export const getVisitStats = (query: { since?: string; until?: string; owner_id?: Id } = {}) =>
  http.get<VisitStats>('/visits/stats', { ...query })
