// Pools: moves between pools (bulk, claim, focus, collaborators, WeCom friends, merge), the customer
// timeline, the pool settings (public pools, assignment and recycle rules), hand-over and notifications.
import { http, type Id } from './http'
import type { Customer, CustomerPage } from './customer'

// ------------------------------------------------------------------ bulk moves
/** POST /customers/bulk/{action} */
export const BULK_ACTIONS = [
  'mark-valid',
  'assign',
  'transfer',
  'recycle',
  'delete',
  'restore',
  'purge',
  'tag',
  'deactivate',
  'reactivate',
  'blacklist',
  'unblacklist',
  'lock',
  'unlock',
] as const
export type BulkAction = (typeof BULK_ACTIONS)[number]

export interface Outcome {
  id: Id
  ok: boolean
  code?: string | null
  /** the server's reason, in the request's language */
  detail?: string | null
  owner_id?: Id | null
}

export interface BulkResult {
  results: Outcome[]
  succeeded: number
  failed: number
}

export interface AssignBody {
  ids: Id[]
  /** up to 5, dealt round-robin in this order */
  assignee_ids?: Id[] | null
  department_id?: Id | null
  rule_id?: Id | null
}
export interface TransferBody {
  ids: Id[]
  owner_ids: Id[]
}
export interface RecycleBody {
  ids: Id[]
  reason?: string | null
  public_pool_id?: Id | null
}
export type TagMode = 'add' | 'remove' | 'replace'
export interface TagBody {
  ids: Id[]
  tags: string[]
  mode: TagMode
}
export interface ReasonBody {
  ids: Id[]
  reason?: string | null
}

export type BulkBody = { ids: Id[] } & Record<string, unknown>

export const bulk = (action: BulkAction, body: BulkBody) =>
  http.post<BulkResult>(`/customers/bulk/${action}`, body)

// ------------------------------------------------------------------ one customer
export const claimCustomer = (id: Id) =>
  http.post<Customer>(`/customers/${id}/claim`, undefined, { quietCodes: ['already_claimed'] })

export const FOCUS_COLORS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'grey'] as const
export type FocusColor = (typeof FOCUS_COLORS)[number]
/** how each focus colour is drawn */
export const FOCUS_HEX: Record<string, string> = {
  red: '#f53f3f',
  orange: '#ff7d00',
  yellow: '#f7ba1e',
  green: '#00b42a',
  blue: '#165dff',
  purple: '#722ed1',
  grey: '#86909c',
}
export const setFocus = (id: Id, color: FocusColor = 'red') => http.put<void>(`/customers/${id}/focus`, { color })
export const clearFocus = (id: Id) => http.delete<void>(`/customers/${id}/focus`)

export const changeCollaborators = (id: Id, body: { add?: Id[]; remove?: Id[] }) =>
  http.post<{ collaborator_ids: Id[] }>(`/customers/${id}/collaborators`, body)

export const setWecomFriends = (id: Id, employeeIds: Id[]) =>
  http.put<{ collaborator_ids: Id[] }>(`/customers/${id}/wecom-friends`, { employee_ids: employeeIds })

export const mergeCustomers = (masterId: Id, duplicateIds: Id[]) =>
  http.post<Customer>('/customers/merge', { master_id: masterId, duplicate_ids: duplicateIds })

export const recycleSoon = (withinDays = 7, limit = 200) =>
  http.get<CustomerPage>('/customers/recycle-soon', { within_days: withinDays, limit })

// ------------------------------------------------------------------ timeline
export interface CustomerEvent {
  id: Id
  customer_id: Id
  type: string
  actor_id: Id | null
  actor_name?: string | null
  at: string
  data: Record<string, unknown>
}
export interface EventPage {
  items: CustomerEvent[]
  next_cursor: string | null
}
export const listEvents = (customerId: Id, query: { type?: string; cursor?: string | null; limit?: number } = {}) =>
  http.get<EventPage>(`/customers/${customerId}/events`, { ...query })

// ------------------------------------------------------------------ settings
export interface PublicPool {
  id: Id
  name: string
  is_default: boolean
  member_unit_ids: Id[]
  admin_ids: Id[]
  daily_claim_quota: number | null
  reclaim_cooldown_days: number
  capacity: number | null
  protection_minutes: number
  retention_days: number
}
export type PublicPoolBody = Omit<PublicPool, 'id' | 'is_default'>

export type AssignStrategy = 'round_robin' | 'least_loaded' | 'by_department'
export const ASSIGN_STRATEGIES: AssignStrategy[] = ['round_robin', 'least_loaded', 'by_department']
export type RulePool = 'to_assign' | 'public' | 'potential'
export const RULE_POOLS: RulePool[] = ['to_assign', 'public', 'potential']
export interface AssignmentRule {
  id: Id
  name: string
  strategy: AssignStrategy
  pool: RulePool | null
  department_id: Id | null
  member_ids: Id[]
  enabled: boolean
  /** the next turn (round-robin memory) */
  pointer: number
}
export type AssignmentRuleBody = Omit<AssignmentRule, 'id' | 'pointer'>

export type RecycleKind = 'no_followup' | 'no_opportunity' | 'not_won'
export const RECYCLE_KINDS: RecycleKind[] = ['no_followup', 'no_opportunity', 'not_won']
export interface RecycleRule {
  id: Id
  name: string
  kind: RecycleKind
  days: number
  department_id: Id | null
  level: string | null
  target_pool_id: Id | null
  remind_days_before: number
  exempt_won: boolean
  exempt_locked: boolean
  exempt_focus: boolean
  enabled: boolean
}
export type RecycleRuleBody = Omit<RecycleRule, 'id'>
export interface RecycleRun {
  rule_id: Id
  recycled: number
  reminded: number
}

export const listPublicPools = () => http.get<PublicPool[]>('/pool/public-pools')
export const createPublicPool = (body: PublicPoolBody) => http.post<PublicPool>('/pool/public-pools', body)
export const updatePublicPool = (id: Id, body: Partial<PublicPoolBody>) =>
  http.patch<PublicPool>(`/pool/public-pools/${id}`, body)
export const deletePublicPool = (id: Id) => http.delete<void>(`/pool/public-pools/${id}`)

export const listAssignmentRules = () => http.get<AssignmentRule[]>('/pool/assignment-rules')
export const createAssignmentRule = (body: AssignmentRuleBody) =>
  http.post<AssignmentRule>('/pool/assignment-rules', body)
export const updateAssignmentRule = (id: Id, body: Partial<AssignmentRuleBody>) =>
  http.patch<AssignmentRule>(`/pool/assignment-rules/${id}`, body)
export const deleteAssignmentRule = (id: Id) => http.delete<void>(`/pool/assignment-rules/${id}`)

export const listRecycleRules = () => http.get<RecycleRule[]>('/pool/recycle-rules')
export const createRecycleRule = (body: RecycleRuleBody) => http.post<RecycleRule>('/pool/recycle-rules', body)
export const updateRecycleRule = (id: Id, body: Partial<RecycleRuleBody>) =>
  http.patch<RecycleRule>(`/pool/recycle-rules/${id}`, body)
export const deleteRecycleRule = (id: Id) => http.delete<void>(`/pool/recycle-rules/${id}`)
export const runRecycleRules = () => http.post<RecycleRun[]>('/pool/recycle-rules/run')

// ------------------------------------------------------------------ automatic grading (POOL-16)
export interface GradingRule {
  level: string
  /** money, two-decimal string */
  min_amount: string
  /** and a completed order within the last N days (活跃度); null = any time */
  within_days: number | null
}
export interface GradingSettings {
  enabled: boolean
  /** purchases of the last N days (365 = 年采购额); null = all time */
  window_days: number | null
  rules: GradingRule[]
  /** the level when no rule matches; null = leave it */
  fallback_level: string | null
  override_manual: boolean
  /** false: nothing saved yet (the defaults) */
  saved: boolean
  last_run_at: string | null
  last_run_changed: number | null
  /** on save: customers regraded by it (when enabled) */
  changed: number | null
}
export type GradingBody = Pick<GradingSettings, 'enabled' | 'window_days' | 'rules' | 'fallback_level' | 'override_manual'>
export interface GradingRun {
  changed: number
  by_level: Record<string, number>
}
export const GRADING_MAX_RULES = 10
export const getGrading = () => http.get<GradingSettings>('/pool/grading')
export const saveGrading = (body: GradingBody) => http.put<GradingSettings>('/pool/grading', body)
export const applyGrading = () => http.post<GradingRun>('/pool/grading/apply')

// ------------------------------------------------------------------ hand-over
export interface HandoverResult {
  employee_id: Id
  customers: number
  /** employee id → customers received */
  per_target: Record<string, number>
  disabled: boolean
}
export const handover = (employeeId: Id, toEmployeeIds: Id[], disable: boolean) =>
  http.post<HandoverResult>(`/employees/${employeeId}/handover`, { to_employee_ids: toEmployeeIds, disable })

// ------------------------------------------------------------------ notifications
export interface AppNotification {
  id: Id
  kind: string
  title: string
  body: string | null
  customer_id: Id | null
  created_at: string
  read_at: string | null
}
export interface NotificationPage {
  items: AppNotification[]
  unread: number
  next_cursor: string | null
}
export const listNotifications = (query: { unread_only?: boolean; cursor?: string | null; limit?: number } = {}) =>
  http.get<NotificationPage>('/notifications', { ...query }, { silent: true })
export const markNotificationsRead = (ids: Id[]) => http.post<void>('/notifications/read', { ids })
export const markAllNotificationsRead = () => http.post<void>('/notifications/read-all')
