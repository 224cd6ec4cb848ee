// How the customer timeline (客户动态) shows the sales module's events: dot colours, labels and text.
import { i18n, tOr } from '@/locales'
import { money } from './shared'

type TimelineColor = 'primary' | 'success' | 'warning' | 'danger' | 'info'

export const SALES_EVENT_COLORS: Record<string, TimelineColor> = {
  opportunity_created: 'primary',
  opportunity_updated: 'info',
  opportunity_stage_changed: 'primary',
  opportunity_won: 'success',
  opportunity_lost: 'danger',
  opportunity_deleted: 'warning',
  order_created: 'primary',
  order_updated: 'info',
  order_confirmed: 'primary',
  order_completed: 'success',
  order_cancelled: 'warning',
  won: 'success',
  contract_created: 'primary',
  contract_updated: 'info',
  contract_signed: 'success',
  contract_completed: 'success',
  contract_terminated: 'danger',
  invoice_created: 'primary',
  invoice_issued: 'success',
  invoice_voided: 'warning',
  payment_plan_added: 'info',
  payment_plan_deleted: 'warning',
  payment_received: 'success',
  payment_deleted: 'warning',
}

export const salesEventLabel = (type: string): string | null =>
  type in SALES_EVENT_COLORS ? tOr(`sales.events.${type}`, type) : null

/** The text under a sales event, or null when the type is not the sales module's. */
export function salesEventText(type: string, d: Record<string, unknown>): string | null {
  if (!(type in SALES_EVENT_COLORS)) return null
  const t = (k: string, v?: Record<string, unknown>) => (v ? i18n.global.t(k, v) : i18n.global.t(k)) as string
  const s = (k: string) => (d[k] === null || d[k] === undefined ? '' : String(d[k]))
  const parts: string[] = []
  const head = [s('number'), s('name')].filter(Boolean).join(' ')
  if (head) parts.push(head)
  if (d.from_stage || d.to_stage) {
    parts.push(
      d.from_stage
        ? t('sales.eventText.stage', { from: s('from_stage'), to: s('to_stage') })
        : s('to_stage'),
    )
  }
  for (const k of ['total', 'amount']) {
    if (typeof d[k] === 'string' && /^-?\d+(\.\d+)?$/.test(d[k] as string)) {
      parts.push(t('sales.eventText.amount', { amount: money(d[k] as string) }))
      break
    }
  }
  if (d.lost_reason) parts.push(t('sales.eventText.reason', { reason: s('lost_reason') }))
  else if (d.reason) parts.push(t('sales.eventText.reason', { reason: s('reason') }))
  let text = parts.join(t('timeline.text.sep'))
  if (d.automatic === true) text += t('sales.eventText.auto')
  if (d.note) text += (text ? '\n' : '') + t('sales.eventText.note', { note: s('note') })
  return text
}
