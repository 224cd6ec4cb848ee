import { i18n } from '@/locales'
import type { Task } from '@/api/task'
import type { TagType } from '../shared'

const t = (k: string) => i18n.global.t(k) as string

/** A task's state as shown: 进行中 / 已逾期 / 已完成 / 已取消. */
export function taskStatusText(x: Pick<Task, 'status' | 'overdue'>): string {
  if (x.status === 'open' && x.overdue) return t('work.task.status.overdue')
  return t(`work.task.status.${x.status}`)
}

export function taskStatusTag(x: Pick<Task, 'status' | 'overdue'>): TagType {
  if (x.status === 'open') return x.overdue ? 'danger' : 'primary'
  return x.status === 'done' ? 'success' : 'info'
}

export function percent(done: number, total: number): number {
  return total > 0 ? Math.round((done / total) * 100) : 0
}
