import { i18n } from '@/locales'
import type { VisitPlan } from '@/api/visit'
import type { TagType } from '../shared'

const t = (k: string) => i18n.global.t(k) as string

/** A plan's state as shown: 待回访 / 已逾期 / 已完成 / 已取消. */
export function planStatusText(p: Pick<VisitPlan, 'status' | 'overdue'>): string {
  if (p.status === 'planned' && p.overdue) return t('work.visit.status.overdue')
  return t(`work.visit.status.${p.status}`)
}

export function planStatusTag(p: Pick<VisitPlan, 'status' | 'overdue'>): TagType {
  if (p.status === 'planned') return p.overdue ? 'danger' : 'primary'
  return p.status === 'done' ? 'success' : 'info'
}
