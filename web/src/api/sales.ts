// Sales pipeline (SALES-1…7): settings, stages, lost reasons, opportunities, products, orders, contracts,
// payment plans, payments, invoices. Money is always a string with two decimals ("1234.50"), never a float.
import { http, type Id, type RequestOptions } from './http'

/** A decimal amount as the API gives it: "1234.50". */
export type Money = string

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}
type Paging = { cursor?: string | null; limit?: number }

// ------------------------------------------------------------------ settings, stages, lost reasons
export interface SalesSettings {
  restrict_manual_won: boolean
  contract_expiry_enabled: boolean
  contract_expiry_days: number
  reconciled?: { won: number; amounts_synced: number } | null
}
export type StageKind = 'open' | 'won' | 'lost'
export interface Stage {
  id: Id
  name: string
  kind: StageKind
  position: number
  win_rate: number
  enabled: boolean
  opportunities: number
}
export interface StageInput {
  id: Id | null
  name: string
  win_rate: number
  enabled?: boolean
}
export interface LostReason {
  id: Id
  name: string
  position: number
  enabled: boolean
}

export const getSalesSettings = () => http.get<SalesSettings>('/sales/settings')
export const updateSalesSettings = (body: Partial<Omit<SalesSettings, 'reconciled'>>) =>
  http.patch<SalesSettings>('/sales/settings', body)
export const listStages = () => http.get<Stage[]>('/sales/stages')
export const saveStages = (body: { stages: StageInput[]; won_name?: string; lost_name?: string }) =>
  http.put<Stage[]>('/sales/stages', body)
export const listLostReasons = () => http.get<LostReason[]>('/sales/lost-reasons')
export const createLostReason = (name: string) => http.post<LostReason>('/sales/lost-reasons', { name })
export const updateLostReason = (id: Id, body: { name?: string; enabled?: boolean; position?: number }) =>
  http.patch<LostReason>(`/sales/lost-reasons/${id}`, body)
export const deleteLostReason = (id: Id, opts: RequestOptions = {}) =>
  http.delete<void>(`/sales/lost-reasons/${id}`, opts)

// ------------------------------------------------------------------ opportunities
export type OpportunityStatus = 'open' | 'won' | 'lost'
export interface Opportunity {
  id: Id
  number: string
  name: string
  customer_id: Id
  customer_name: string | null
  owner_id: Id
  owner_name: string | null
  amount: Money
  stage_id: Id
  stage_name: string | null
  status: OpportunityStatus
  win_rate: number
  weighted_amount: Money
  expected_close_date: string | null
  notes: string | null
  lost_reason_id: Id | null
  lost_reason: string | null
  lost_note: string | null
  stage_changed_at: string | null
  won_at: string | null
  lost_at: string | null
  created_by_id: Id | null
  created_at: string
  updated_at: string
  amount_editable: boolean
  stage_editable: boolean
  completed_orders_total: Money
  orders: number
}
export interface OpportunityInput {
  name: string
  amount?: Money
  stage_id?: Id | null
  win_rate?: number | null
  expected_close_date?: string | null
  notes?: string | null
  owner_id?: Id | null
}
export interface StageChange {
  id: Id
  from_stage_id: Id | null
  from_stage_name: string | null
  to_stage_id: Id
  to_stage_name: string | null
  from_status: string | null
  to_status: string
  note: string | null
  lost_reason: string | null
  automatic: boolean
  actor_id: Id | null
  actor_name: string | null
  at: string
}
export interface Total {
  count: number
  amount: Money
}
/** The new / won / lost totals of a period: a month (month = YYYY-MM) or since…until (month = null). */
export interface MonthlySummary {
  month: string | null
  since: string
  until: string
  new: Total
  won: Total
  lost: Total
}
/**
 * A list's date filter `<name>_from` / `<name>_to`: YYYY-MM-DD, whole days in Asia/Shanghai, both ends
 * inclusive, either may be left out (422 invalid_date_range when it ends before it starts).
 */
export type DateRangeQuery<N extends string> = { [K in `${N}_from` | `${N}_to`]?: string }

export interface OpportunityQuery
  extends Paging,
    DateRangeQuery<'created'>,
    DateRangeQuery<'expected_close'>,
    DateRangeQuery<'won'>,
    DateRangeQuery<'lost'> {
  status?: OpportunityStatus
  q?: string
  customer_id?: Id
  owner_id?: Id
  stage_id?: Id
  mine?: boolean
}
/** A month (YYYY-MM), or since…until (inclusive days); the owner's only with owner_id. */
export interface SummaryQuery {
  month?: string
  since?: string
  until?: string
  owner_id?: Id
}

export const listOpportunities = (query: OpportunityQuery = {}) =>
  http.get<Page<Opportunity>>('/opportunities', { ...query })
export const opportunitySummary = (query: SummaryQuery = {}) =>
  http.get<MonthlySummary>('/opportunities/summary', { ...query })
export const listCustomerOpportunities = (customerId: Id, query: Paging = {}) =>
  http.get<Page<Opportunity>>(`/customers/${customerId}/opportunities`, { ...query })
export const createOpportunity = (customerId: Id, body: OpportunityInput) =>
  http.post<Opportunity>(`/customers/${customerId}/opportunities`, body)
export const getOpportunity = (id: Id) => http.get<Opportunity>(`/opportunities/${id}`)
export const updateOpportunity = (id: Id, body: Partial<OpportunityInput>) =>
  http.patch<Opportunity>(`/opportunities/${id}`, body)
export const advanceOpportunity = (
  id: Id,
  body: { stage_id: Id; note: string; lost_reason_id?: Id | null; win_rate?: number | null },
) => http.post<Opportunity>(`/opportunities/${id}/advance`, body)
export const opportunityHistory = (id: Id) => http.get<StageChange[]>(`/opportunities/${id}/history`)
export const deleteOpportunity = (id: Id) => http.delete<void>(`/opportunities/${id}`)

// ------------------------------------------------------------------ products
export interface Product {
  id: Id
  name: string
  code: string | null
  unit: string | null
  price: Money
  category: string | null
  on_sale: boolean
  description: string | null
  created_at: string
  updated_at: string
}
export interface ProductInput {
  name: string
  code?: string | null
  unit?: string | null
  price: Money
  category?: string | null
  on_sale?: boolean
  description?: string | null
}
export const listProducts = (query: { q?: string; category?: string; on_sale?: boolean } & Paging = {}) =>
  http.get<Page<Product>>('/products', { ...query })
export const productCategories = () => http.get<string[]>('/products/categories')
export const createProduct = (body: ProductInput) => http.post<Product>('/products', body)
export const updateProduct = (id: Id, body: Partial<ProductInput>) => http.patch<Product>(`/products/${id}`, body)

// ------------------------------------------------------------------ orders
export const ORDER_STATUSES = ['draft', 'confirmed', 'completed', 'cancelled'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]
export interface OrderLine {
  id: Id
  product_id: Id
  product_name: string
  product_code: string | null
  unit: string | null
  quantity: Money
  list_price: Money
  unit_price: Money
  amount: Money
}
export interface Order {
  id: Id
  number: string
  customer_id: Id
  customer_name: string | null
  opportunity_id: Id | null
  opportunity_name: string | null
  status: OrderStatus
  deal_at: string
  staff_id: Id
  staff_name: string | null
  subtotal: Money
  discount: Money
  total: Money
  remark: string | null
  cancel_reason: string | null
  created_by_id: Id | null
  created_at: string
  updated_at: string
  confirmed_at: string | null
  completed_at: string | null
  cancelled_at: string | null
  lines: OrderLine[]
}
export interface OrderInput {
  opportunity_id?: Id | null
  deal_at?: string | null
  staff_id?: Id | null
  discount?: Money
  remark?: string | null
  lines: { product_id: Id; quantity: Money; unit_price?: Money | null }[]
}
export const listOrders = (
  query: { status?: OrderStatus; customer_id?: Id; opportunity_id?: Id; staff_id?: Id; q?: string } & DateRangeQuery<'deal'> &
    Paging = {},
) => http.get<Page<Order>>('/orders', { ...query })
export const listCustomerOrders = (customerId: Id, query: Paging = {}) =>
  http.get<Page<Order>>(`/customers/${customerId}/orders`, { ...query })
export const createOrder = (customerId: Id, body: OrderInput) => http.post<Order>(`/customers/${customerId}/orders`, body)
export const getOrder = (id: Id) => http.get<Order>(`/orders/${id}`)
export const updateOrder = (id: Id, body: Partial<OrderInput>) => http.patch<Order>(`/orders/${id}`, body)
export const confirmOrder = (id: Id) => http.post<Order>(`/orders/${id}/confirm`)
export const completeOrder = (id: Id) => http.post<Order>(`/orders/${id}/complete`)
export const cancelOrder = (id: Id, reason?: string | null) => http.post<Order>(`/orders/${id}/cancel`, { reason })

// ------------------------------------------------------------------ contracts, plans, payments, invoices
export const CONTRACT_STATUSES = ['draft', 'signed', 'completed', 'terminated'] as const
export type ContractStatus = (typeof CONTRACT_STATUSES)[number]
export interface PaymentPlan {
  id: Id
  contract_id: Id
  due_date: string
  amount: Money
  remark: string | null
  received: Money
  outstanding: Money
  overdue: boolean
}
export interface Attachment {
  name: string
  url: string
  size?: number | null
}
export interface Contract {
  id: Id
  number: string
  name: string
  customer_id: Id
  customer_name: string | null
  opportunity_id: Id | null
  opportunity_name: string | null
  owner_id: Id
  owner_name: string | null
  amount: Money
  sign_date: string | null
  start_date: string | null
  end_date: string | null
  status: ContractStatus
  expired: boolean
  days_to_end: number | null
  remark: string | null
  attachments: Attachment[]
  terminate_reason: string | null
  created_by_id: Id | null
  created_at: string
  updated_at: string
  signed_at: string | null
  completed_at: string | null
  terminated_at: string | null
  receivable: Money
  received: Money
  outstanding: Money
  planned: Money
  invoiced: Money
  plans?: PaymentPlan[] | null
}
export interface ContractInput {
  name: string
  number?: string | null
  opportunity_id?: Id | null
  owner_id?: Id | null
  amount: Money
  sign_date?: string | null
  start_date?: string | null
  end_date?: string | null
  remark?: string | null
}
export const PAYMENT_METHODS = ['bank', 'cash', 'wechat', 'alipay', 'check', 'other'] as const
export type PaymentMethod = (typeof PAYMENT_METHODS)[number]
export interface Payment {
  id: Id
  contract_id: Id
  contract_number: string | null
  customer_id: Id
  customer_name: string | null
  plan_id: Id | null
  received_on: string
  amount: Money
  method: PaymentMethod
  remark: string | null
  recorded_by_id: Id | null
  recorded_by_name: string | null
  created_at: string
}
export type InvoiceType = 'normal' | 'special'
export type InvoiceStatus = 'pending' | 'issued' | 'void'
export interface Invoice {
  id: Id
  number: string
  invoice_no: string | null
  customer_id: Id
  customer_name: string | null
  contract_id: Id | null
  contract_number: string | null
  amount: Money
  type: InvoiceType
  status: InvoiceStatus
  title: string | null
  tax_no: string | null
  issue_date: string | null
  remark: string | null
  created_by_id: Id | null
  created_at: string
  voided_at: string | null
}

export const listContracts = (
  query: { status?: ContractStatus; customer_id?: Id; owner_id?: Id; q?: string; expiring_within_days?: number } &
    DateRangeQuery<'sign'> &
    DateRangeQuery<'start'> &
    DateRangeQuery<'end'> &
    Paging = {},
) => http.get<Page<Contract>>('/contracts', { ...query })
export const listCustomerContracts = (customerId: Id, query: Paging = {}) =>
  http.get<Page<Contract>>(`/customers/${customerId}/contracts`, { ...query })
export const createContract = (customerId: Id, body: ContractInput) =>
  http.post<Contract>(`/customers/${customerId}/contracts`, body)
export const getContract = (id: Id) => http.get<Contract>(`/contracts/${id}`)
export const updateContract = (id: Id, body: Partial<ContractInput>) => http.patch<Contract>(`/contracts/${id}`, body)
export const signContract = (id: Id, sign_date?: string | null) =>
  http.post<Contract>(`/contracts/${id}/sign`, { sign_date: sign_date || undefined })
export const completeContract = (id: Id) => http.post<Contract>(`/contracts/${id}/complete`)
export const terminateContract = (id: Id, reason: string) => http.post<Contract>(`/contracts/${id}/terminate`, { reason })

export const addPaymentPlan = (contractId: Id, body: { due_date: string; amount: Money; remark?: string | null }) =>
  http.post<PaymentPlan>(`/contracts/${contractId}/payment-plans`, body)
export const deletePaymentPlan = (id: Id) => http.delete<void>(`/payment-plans/${id}`)
export const addPayment = (
  contractId: Id,
  body: { received_on?: string | null; amount: Money; method: PaymentMethod; plan_id?: Id | null; remark?: string | null },
) => http.post<Payment>(`/contracts/${contractId}/payments`, body)
export const deletePayment = (id: Id) => http.delete<void>(`/payments/${id}`)
export const listPayments = (
  query: { customer_id?: Id; contract_id?: Id; since?: string; until?: string } & DateRangeQuery<'received'> & Paging = {},
) => http.get<Page<Payment>>('/payments', { ...query })
export const listCustomerPayments = (customerId: Id, query: Paging = {}) =>
  http.get<Page<Payment>>(`/customers/${customerId}/payments`, { ...query })

export const listInvoices = (
  query: { customer_id?: Id; contract_id?: Id; status?: InvoiceStatus } & DateRangeQuery<'issued'> &
    DateRangeQuery<'created'> &
    Paging = {},
) => http.get<Page<Invoice>>('/invoices', { ...query })
export const listCustomerInvoices = (customerId: Id, query: Paging = {}) =>
  http.get<Page<Invoice>>(`/customers/${customerId}/invoices`, { ...query })
export const createInvoice = (
  customerId: Id,
  body: { contract_id?: Id | null; amount: Money; type: InvoiceType; title?: string | null; tax_no?: string | null; remark?: string | null },
) => http.post<Invoice>(`/customers/${customerId}/invoices`, body)
export const issueInvoice = (id: Id, body: { invoice_no: string; issue_date?: string | null }) =>
  http.post<Invoice>(`/invoices/${id}/issue`, body)
export const voidInvoice = (id: Id) => http.post<Invoice>(`/invoices/${id}/void`)

export interface SalesSummary {
  total_purchase: Money
  last_purchase_at: string | null
  opportunities: Record<OpportunityStatus, Total>
  orders: { completed: number; open: number }
  contracts: { count: number; receivable: Money; received: Money; outstanding: Money; invoiced: Money }
}
export const customerSalesSummary = (customerId: Id) => http.get<SalesSummary>(`/customers/${customerId}/sales-summary`)
