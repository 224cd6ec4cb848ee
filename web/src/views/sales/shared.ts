// Helpers shared by the sales views: money as text (never floats), exact cent arithmetic for live
// previews, labels and tag colours for statuses, dates as the API takes them.
import { tOr } from '@/locales'
import type { TagType } from '@/views/work/shared'

// the API takes amounts below 10^14 with at most two decimals
const MONEY_RE = /^\d{1,14}(\.\d{1,2})?$/

/** Whether a text is a money amount the API accepts (≥ 0, at most two decimals). */
export function isMoney(v: string | null | undefined): boolean {
  return MONEY_RE.test((v ?? '').trim())
}

/** "1234.5" → 123450n (cents); null when not a money amount. */
export function toCents(v: string | null | undefined): bigint | null {
  const s = (v ?? '').trim()
  if (!MONEY_RE.test(s)) return null
  const [int, frac = ''] = s.split('.')
  return BigInt(int) * BigInt(100) + BigInt((frac + '00').slice(0, 2))
}

/** 123450n → "1234.50". */
export function fromCents(c: bigint): string {
  const neg = c < BigInt(0)
  const a = neg ? -c : c
  const int = a / BigInt(100)
  const frac = a % BigInt(100)
  return `${neg ? '-' : ''}${int.toString()}.${frac.toString().padStart(2, '0')}`
}

/** round_half_up(quantity × unit price, 2) in cents, exactly as the server computes a line amount. */
export function lineCents(quantity: string, unitPrice: string): bigint | null {
  const q = toCents(quantity)
  const p = toCents(unitPrice)
  if (q === null || p === null) return null
  const prod = q * p // 4 decimals
  return (prod + BigInt(50)) / BigInt(100)
}

/** "1234567.5" → "¥1,234,567.50" from the API's text; no float on the way. */
export function money(v: string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—'
  const s = String(v).trim()
  const neg = s.startsWith('-')
  const body = neg ? s.slice(1) : s
  const [int, frac = ''] = body.split('.')
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${neg ? '-' : ''}¥${grouped}.${(frac + '00').slice(0, 2)}`
}

/** Normalise what a user typed ("1,200.5 ") to the API's text ("1200.50"); unchanged when invalid. */
export function normalizeMoney(v: string | null | undefined): string {
  const s = (v ?? '').replace(/[,，\s¥￥]/g, '')
  const c = toCents(s)
  return c === null ? s : fromCents(c)
}

/** A Date or text as YYYY-MM-DD (local calendar), or null. */
export function ymd(v: Date | string | null | undefined): string | null {
  if (!v) return null
  if (typeof v === 'string') return v.slice(0, 10)
  const p = (n: number) => (n < 10 ? '0' + n : String(n))
  return `${v.getFullYear()}-${p(v.getMonth() + 1)}-${p(v.getDate())}`
}

/** The current month as YYYY-MM. */
export function thisMonth(): string {
  return ymd(new Date())!.slice(0, 7)
}

export const oppStatusLabel = (s: string) => tOr(`sales.opportunity.status.${s}`, s)
export const orderStatusLabel = (s: string) => tOr(`sales.order.status.${s}`, s)
export const contractStatusLabel = (s: string) => tOr(`sales.contract.status.${s}`, s)
export const invoiceStatusLabel = (s: string) => tOr(`sales.invoice.status.${s}`, s)
export const invoiceTypeLabel = (s: string) => tOr(`sales.invoice.types.${s}`, s)
export const paymentMethodLabel = (s: string) => tOr(`sales.payment.methods.${s}`, s)

export function oppStatusTag(s: string): TagType {
  return s === 'won' ? 'success' : s === 'lost' ? 'info' : 'primary'
}
export function orderStatusTag(s: string): TagType {
  switch (s) {
    case 'draft':
      return 'info'
    case 'confirmed':
      return 'warning'
    case 'completed':
      return 'success'
    default:
      return 'danger'
  }
}
export function contractStatusTag(s: string): TagType {
  switch (s) {
    case 'draft':
      return 'info'
    case 'signed':
      return 'primary'
    case 'completed':
      return 'success'
    default:
      return 'danger'
  }
}
export function invoiceStatusTag(s: string): TagType {
  return s === 'issued' ? 'success' : s === 'void' ? 'info' : 'warning'
}

/** Validator for el-form: a money text (optionally > 0). */
export function moneyRule(message: string, positive = false) {
  return {
    validator: (_r: unknown, v: string, cb: (e?: Error) => void) => {
      const c = toCents(normalizeMoney(v))
      if (c === null || (positive && c <= BigInt(0))) cb(new Error(message))
      else cb()
    },
    trigger: 'blur',
  }
}

/** A list's date filter: [first day, last day] as YYYY-MM-DD, or null for no filter. */
export type DayRange = [string, string] | null

/** The query pair `<name>_from` / `<name>_to` of a range (nothing when there is no range). */
export function rangeQuery<N extends string>(name: N, r: DayRange): { [K in `${N}_from` | `${N}_to`]?: string } {
  if (!r) return {}
  return { [`${name}_from`]: r[0], [`${name}_to`]: r[1] } as { [K in `${N}_from` | `${N}_to`]?: string }
}
