import { http, type Id, type RequestOptions } from './http'

export const POOL_KEYS = [
  'all',
  'potential',
  'to_assign',
  'following',
  'public',
  'mine',
  'assisting',
  'won',
  'focus',
  'recycle_bin',
] as const
export type PoolKey = (typeof POOL_KEYS)[number]

/** Pools a new customer may be put in. */
export const CREATE_POOLS = ['potential', 'to_assign', 'following', 'public'] as const
export type CreatePool = (typeof CREATE_POOLS)[number]

export interface Customer {
  id: Id
  number: string | null
  name: string
  phones: string[]
  pool: string
  owner_id: Id | null
  owner_name: string | null
  collaborator_ids: Id[]
  department_id: Id | null
  department_name: string | null
  company: string | null
  email: string | null
  source: string | null
  industry: string | null
  level: string | null
  /** where the level came from (POOL-16): manual, auto (automatic grading), null = no record */
  level_source?: 'manual' | 'auto' | null
  /** present on newer servers */
  stage?: string | null
  region?: string | null
  wechat?: string | null
  tags: string[]
  address: string | null
  remark: string | null
  created_at: string
  updated_at: string | null
  last_followup_at: string | null
  version: number
  // pools (present on newer servers)
  customer_type?: 'intent' | 'assigned' | 'won'
  public_pool_id?: Id | null
  previous_owner_id?: Id | null
  /** not sent by the server: filled in by the UI from the employees it knows */
  previous_owner_name?: string | null
  assigned_at?: string | null
  claimed_at?: string | null
  recycled_at?: string | null
  recycle_reason?: string | null
  locked?: boolean
  blacklisted?: boolean
  blacklist_reason?: string | null
  deactivated?: boolean
  deactivate_reason?: string | null
  merged_into_id?: Id | null
  deleted_at?: string | null
  wecom_friend_ids?: Id[]
  /** the viewer's own star, if any */
  focus_color?: string | null
  /** every active custom field by key (missing values null) */
  custom_fields?: Record<string, unknown>
}

export interface CustomerPage {
  items: Customer[]
  next_cursor: string | null
  total: number
  total_exact: boolean
}

export interface CustomerQuery {
  pool: PoolKey
  q?: string
  cursor?: string | null
  limit?: number
}

export interface CustomerCreate {
  name: string
  phones: string[]
  pool?: CreatePool
  owner_id?: Id
  company?: string
  email?: string
  source?: string
  industry?: string
  level?: string
  tags?: string[]
  /** 省/市/区 joined by "/", e.g. 广东省/深圳市/南山区 */
  region?: string
  address?: string
  remark?: string
  /** custom field values by key (validated by type on the server) */
  custom_fields?: Record<string, unknown>
}

export interface CustomerUpdate {
  version: number
  name?: string
  phones?: string[]
  company?: string | null
  email?: string | null
  source?: string | null
  industry?: string | null
  level?: string | null
  tags?: string[]
  /** 省/市/区 joined by "/" */
  region?: string | null
  address?: string | null
  remark?: string | null
  /** only the keys given change; null clears */
  custom_fields?: Record<string, unknown>
}

export const listCustomers = (query: CustomerQuery) => http.get<CustomerPage>('/customers', { ...query })

/** POOL-17 customer types (客户类型): intent 意向, assigned 分配, won 成交 */
export type CustomerType = 'intent' | 'assigned' | 'won'
export const CUSTOMER_TYPES: CustomerType[] = ['intent', 'assigned', 'won']
export interface CustomerTypeCounts extends Record<CustomerType, number> {
  total: number
}
/** GET /customers/type-counts: how many customers of a list (pool, scope, search, filter) are of each type */
export const customerTypeCounts = (pool: PoolKey, q?: string | null, filter?: object | null) =>
  http.get<CustomerTypeCounts>('/customers/type-counts', {
    pool,
    q: q || undefined,
    filter: filter ? JSON.stringify(filter) : undefined,
  })
/** POST /customers/search: one page of a list, the filter as a JSON body */
export const searchCustomers = (body: {
  pool: PoolKey
  q?: string | null
  filter?: object | null
  cursor?: string | null
  limit?: number
  total?: 'auto' | 'exact' | 'none'
}) => http.post<CustomerPage>('/customers/search', body)
/** 404 `not_found`: no such customer, another tenant's, or outside the caller's data scope */
export const getCustomer = (id: Id, opts: RequestOptions = {}) => http.get<Customer>(`/customers/${id}`, undefined, opts)
export const createCustomer = (body: CustomerCreate) =>
  http.post<Customer>('/customers', body)
export const updateCustomer = (id: Id, body: CustomerUpdate) =>
  http.patch<Customer>(`/customers/${id}`, body, { quietCodes: ['version_conflict'] })
export const deleteCustomer = (id: Id) => http.delete<void>(`/customers/${id}`)
