// The product's navigation in one place: the sidebar and the route guard both read it.
import type { Component } from 'vue'
import { markRaw } from 'vue'
import { User, TrendCharts, Finished, DataAnalysis, Setting, PhoneFilled, Odometer } from '@element-plus/icons-vue'
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
  // 工作台 (SALES-9): the home page of sales roles
  { key: 'workbench', titleKey: 'stats.menu.panel', icon: markRaw(Odometer), path: '/workbench', perm: ['stats.view'] },
  {
    key: 'customers',
    titleKey: 'menu.customers',
    icon: markRaw(User),
    children: [
      ...POOL_KEYS.map((pool) => ({
        key: `customers-${pool}`,
        titleKey: `pool.${pool}`,
        path: `/customers/${pool}`,
        perm: poolPerms(pool),
      })),
      {
        key: 'customers-import',
        titleKey: 'dataio.menu.import',
        path: '/customers/import',
        perm: ['customer.view', 'customer.import'],
      },
    ],
  },
  {
    key: 'sales',
    titleKey: 'sales.menu.group',
    icon: markRaw(TrendCharts),
    children: [
      { key: 'opportunities', titleKey: 'menu.opportunities', path: '/opportunities', perm: ['opportunity.view'] },
      { key: 'orders', titleKey: 'sales.menu.orders', path: '/orders', perm: ['order.view'] },
      { key: 'contracts', titleKey: 'sales.menu.contracts', path: '/contracts', perm: ['contract.view'] },
      { key: 'products', titleKey: 'sales.menu.products', path: '/products', perm: ['order.view'] },
    ],
  },
  { key: 'tasks', titleKey: 'menu.tasks', icon: markRaw(Finished), path: '/tasks' },
  { key: 'visits', titleKey: 'work.menu.visits', icon: markRaw(PhoneFilled), path: '/visits', perm: ['visit.view'] },
  { key: 'statistics', titleKey: 'stats.menu.statistics', icon: markRaw(DataAnalysis), path: '/statistics', perm: ['stats.view'] },
  {
    key: 'settings',
    titleKey: 'menu.settings',
    icon: markRaw(Setting),
    children: [
      { key: 'settings-org', titleKey: 'menu.org', path: '/settings/org', perm: ['org.manage'] },
      { key: 'settings-employees', titleKey: 'menu.employees', path: '/settings/employees', perm: ['employee.manage'] },
      { key: 'settings-roles', titleKey: 'menu.roles', path: '/settings/roles', perm: ['role.manage'] },
      { key: 'settings-pools', titleKey: 'menu.pools', path: '/settings/pools', perm: ['settings.manage'] },
      { key: 'settings-fields', titleKey: 'find.settings.menu', path: '/settings/fields', perm: ['settings.manage'] },
      { key: 'settings-audit', titleKey: 'menu.audit', path: '/settings/audit', perm: ['audit.view'] },
      { key: 'settings-sales', titleKey: 'sales.menu.settings', path: '/settings/sales', perm: ['sales.settings'] },
      {
        key: 'settings-reminders',
        titleKey: 'work.menu.reminders',
        path: '/settings/reminders',
        perm: ['reminder.manage'],
      },
      { key: 'settings-tag-rules', titleKey: 'work.menu.tagRules', path: '/settings/tag-rules', perm: ['settings.manage'] },
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

/** The landing page after login: the work panel for sales roles (SALES-9), else the first allowed page. */
export function homePath(can: (perm?: string[]) => boolean, isSales: boolean): string {
  if (isSales && can(['stats.view'])) return '/workbench'
  return firstAllowedPath(can)
}
