// 确认 / 完成 / 取消订单, each behind a confirmation; shared by the orders page and the customer's tab.
import { ElMessage, ElMessageBox } from 'element-plus'
import { cancelOrder, completeOrder, confirmOrder, type Order } from '@/api/sales'
import { i18n } from '@/locales'
import { useSalesMeta } from '../meta'
import { money } from '../shared'

const t = (k: string, v?: Record<string, unknown>) => (v ? i18n.global.t(k, v) : i18n.global.t(k)) as string

async function ask(message: string, title: string, button: string, type: 'warning' | 'info' = 'warning') {
  try {
    await ElMessageBox.confirm(message, title, { type, confirmButtonText: button, cancelButtonText: t('common.cancel') })
    return true
  } catch {
    return false
  }
}

/** Returns the changed order, or null when the user stepped back. */
export async function confirmOrderFlow(o: Order): Promise<Order | null> {
  if (!(await ask(t('sales.order.confirmConfirm', { number: o.number }), t('sales.order.confirm'), t('sales.order.confirm'), 'info')))
    return null
  const saved = await confirmOrder(o.id)
  ElMessage.success(t('sales.order.confirmed'))
  return saved
}

export async function completeOrderFlow(o: Order): Promise<Order | null> {
  const meta = useSalesMeta()
  await meta.load().catch(() => undefined)
  const key = o.opportunity_id && meta.restricted.value ? 'sales.order.completeConfirmWon' : 'sales.order.completeConfirm'
  if (!(await ask(t(key, { number: o.number, total: money(o.total) }), t('sales.order.complete'), t('sales.order.complete'))))
    return null
  const saved = await completeOrder(o.id)
  ElMessage.success(t('sales.order.completed'))
  return saved
}

export async function cancelOrderFlow(o: Order): Promise<Order | null> {
  let reason = ''
  try {
    const res = await ElMessageBox.prompt(t('sales.order.cancelReason'), t('sales.order.cancelTitle', { number: o.number }), {
      type: 'warning',
      confirmButtonText: t('sales.order.cancel'),
      cancelButtonText: t('common.close'),
      inputValidator: (v: string) => (v || '').length <= 500,
    })
    reason = (res.value || '').trim()
  } catch {
    return null
  }
  const saved = await cancelOrder(o.id, reason || null)
  ElMessage.success(t('sales.order.cancelled'))
  return saved
}
