// The product's navigation in one place: the sidebar and the route guard both read it.
import type { Component } from 'vue'
import { markRaw } from 'vue'
import { User, TrendCharts, Finished, DataAnalysis, Setting, PhoneFilled } from '@element-plus/icons-vue'
import { POOL_KEYS, type PoolKey } from '@/api/customer'

export interface MenuNode {
  key: string
  titleKey: string
  icon?: Component
  path?: string
  /** every listed permission is needed */
  perm?: string[]
  children?: MenuNode[]
}

/** Permissions needed to open one customer pool. */
export function poolPerms(pool: PoolKey | string): string[] {
  switch (pool) {
    case 'potential':
      return ['customer.view', 'pool.potential']
    case 'to_assign':
      return ['customer.view', 'pool.to_assign']
    case 'recycle_bin':
      return ['customer.view', 'pool.recycle_bin']
    default:
      return ['customer.view']
  }
}

export const MENU: MenuNode[] = [
  {
    key: 'customers',
    titleKey: 'menu.customers',
    icon: markRaw(User),
    children: POOL_KEYS.map((pool) => ({
      key: `customers-${pool}`,
      titleKey: `pool.${pool}`,
      path: `/customers/${pool}`,
      perm: poolPerms(pool),
    })),
  },
  { key: 'opportunities', titleKey: 'menu.opportunities', icon: markRaw(TrendCharts), path: '/opportunities' },
  { key: 'tasks', titleKey: 'menu.tasks', icon: markRaw(Finished), path: '/tasks' },
  { key: 'visits', titleKey: 'work.menu.visits', icon: markRaw(PhoneFilled), path: '/visits', perm: ['visit.view'] },
  { key: 'statistics', titleKey: 'menu.statistics', icon: markRaw(DataAnalysis), path: '/statistics' },
  {
    key: 'settings',
    titleKey: 'menu.settings',
    icon: markRaw(Setting),
    children: [
      { key: 'settings-org', titleKey: 'menu.org', path: '/settings/org', perm: ['org.manage'] },
      { key: 'settings-employees', titleKey: 'menu.employees', path: '/settings/employees', perm: ['employee.manage'] },
      { key: 'settings-roles', titleKey: 'menu.roles', path: '/settings/roles', perm: ['role.manage'] },
      { key: 'settings-pools', titleKey: 'menu.pools', path: '/settings/pools', perm: ['settings.manage'] },
      { key: 'settings-audit', titleKey: 'menu.audit', path: '/settings/audit', perm: ['audit.view'] },
      {
        key: 'settings-reminders',
        titleKey: 'work.menu.reminders',
        path: '/settings/reminders',
        perm: ['reminder.manage'],
      },
      { key: 'settings-my-reminders', titleKey: 'work.menu.myReminders', path: '/settings/my-reminders' },
    ],
  },
]

/** The menu as one user may see it: entries without permission are dropped, empty groups too. */
export function visibleMenu(can: (perm?: string[]) => boolean, nodes: MenuNode[] = MENU): MenuNode[] {
  const out: MenuNode[] = []
  for (const n of nodes) {
    if (!can(n.perm)) continue
    if (n.children) {
      const kids = visibleMenu(can, n.children)
      if (kids.length) out.push({ ...n, children: kids })
    } else {
      out.push(n)
    }
  }
  return out
}

/** The first page a user may open (the landing page after login). */
export function firstAllowedPath(can: (perm?: string[]) => boolean): string {
  if (can(poolPerms('all'))) return '/customers/all'
  const stack = visibleMenu(can)
  while (stack.length) {
    const n = stack.shift()!
    if (n.path) return n.path
    if (n.children) stack.unshift(...n.children)
  }
  return '/opportunities'
}
