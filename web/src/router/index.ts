import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useUserStore } from '@/stores/user'
import { POOL_KEYS } from '@/api/customer'
import { homePath, poolPerms } from './menu'
import { i18n } from '@/locales'
import Layout from '@/layout/index.vue'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    titleKey?: string
    perm?: string[]
    /** the sidebar entry to highlight */
    menuKey?: string
  }
}

const poolPattern = POOL_KEYS.join('|')

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/login/index.vue'),
    meta: { public: true, titleKey: 'login.title' },
  },
  {
    path: '/',
    component: Layout,
    children: [
      {
        // the landing page depends on the caller's permissions, known only after the global guard
        path: '',
        name: 'home',
        component: { render: () => null },
        beforeEnter: () => homePath(useUserStore().can, useUserStore().me?.role?.kind === 'sales'),
      },
      { path: 'customers', redirect: '/customers/all' },
      {
        path: 'customers/import',
        name: 'customer-import',
        component: () => import('@/views/dataio/ImportPage.vue'),
        meta: { titleKey: 'dataio.menu.import', perm: ['customer.view', 'customer.import'], menuKey: 'customers-import' },
      },
      {
        // one customer's full page (from its drawer: ?from=<the list> for back and previous / next)
        path: 'customers/detail/:id(\\d+)',
        name: 'customer-detail',
        component: () => import('@/views/customer/CustomerPage.vue'),
        meta: { titleKey: 'customer.detail', perm: ['customer.view'], menuKey: 'customers-all' },
      },
      {
        path: `customers/:pool(${poolPattern})`,
        name: 'customers',
        component: () => import('@/views/customer/index.vue'),
        meta: { titleKey: 'menu.customers' },
      },
      {
        path: 'opportunities',
        name: 'opportunities',
        component: () => import('@/views/sales/opportunities/index.vue'),
        meta: { titleKey: 'menu.opportunities', perm: ['opportunity.view'], menuKey: 'opportunities' },
      },
      {
        path: 'orders',
        name: 'orders',
        component: () => import('@/views/sales/orders/index.vue'),
        meta: { titleKey: 'sales.menu.orders', perm: ['order.view'], menuKey: 'orders' },
      },
      {
        path: 'contracts',
        name: 'contracts',
        component: () => import('@/views/sales/contracts/index.vue'),
        meta: { titleKey: 'sales.menu.contracts', perm: ['contract.view'], menuKey: 'contracts' },
      },
      {
        path: 'products',
        name: 'products',
        component: () => import('@/views/sales/products/index.vue'),
        meta: { titleKey: 'sales.menu.products', perm: ['order.view'], menuKey: 'products' },
      },
      {
        path: 'settings/sales',
        name: 'sales-settings',
        component: () => import('@/views/sales/settings/index.vue'),
        meta: { titleKey: 'sales.menu.settings', perm: ['sales.settings'], menuKey: 'settings-sales' },
      },
      {
        path: 'tasks',
        name: 'tasks',
        component: () => import('@/views/work/tasks/index.vue'),
        meta: { titleKey: 'menu.tasks', menuKey: 'tasks' },
      },
      {
        path: 'visits',
        name: 'visits',
        component: () => import('@/views/work/visits/index.vue'),
        meta: { titleKey: 'work.menu.visits', perm: ['visit.view'], menuKey: 'visits' },
      },
      {
        path: 'statistics',
        name: 'statistics',
        component: () => import('@/views/stats/Dashboard.vue'),
        meta: { titleKey: 'stats.menu.statistics', perm: ['stats.view'], menuKey: 'statistics' },
      },
      {
        // the list behind a statistic (opportunities, orders, payments, follow-ups, tasks)
        path: 'statistics/list',
        name: 'statistics-list',
        component: () => import('@/views/stats/DrillList.vue'),
        meta: { titleKey: 'stats.menu.statistics', perm: ['stats.view'], menuKey: 'statistics' },
      },
      {
        path: 'workbench',
        name: 'workbench',
        component: () => import('@/views/stats/WorkPanel.vue'),
        meta: { titleKey: 'stats.menu.panel', perm: ['stats.view'], menuKey: 'workbench' },
      },
      { path: 'settings', redirect: '/settings/org' },
      {
        path: 'settings/org',
        name: 'org',
        component: () => import('@/views/org/index.vue'),
        meta: { titleKey: 'menu.org', perm: ['org.manage'], menuKey: 'settings-org' },
      },
      {
        path: 'settings/employees',
        name: 'employees',
        component: () => import('@/views/employee/index.vue'),
        meta: { titleKey: 'menu.employees', perm: ['employee.manage'], menuKey: 'settings-employees' },
      },
      {
        path: 'settings/roles',
        name: 'roles',
        component: () => import('@/views/role/index.vue'),
        meta: { titleKey: 'menu.roles', perm: ['role.manage'], menuKey: 'settings-roles' },
      },
      {
        path: 'settings/pools',
        name: 'pool-settings',
        component: () => import('@/views/pool/index.vue'),
        meta: { titleKey: 'menu.pools', perm: ['settings.manage'], menuKey: 'settings-pools' },
      },
      {
        path: 'settings/fields',
        name: 'field-settings',
        component: () => import('@/views/dictionary/index.vue'),
        meta: { titleKey: 'find.settings.menu', perm: ['settings.manage'], menuKey: 'settings-fields' },
      },
      {
        path: 'settings/audit',
        name: 'audit',
        component: () => import('@/views/audit/index.vue'),
        meta: { titleKey: 'menu.audit', perm: ['audit.view'], menuKey: 'settings-audit' },
      },
      {
        path: 'settings/reminders',
        name: 'reminder-settings',
        component: () => import('@/views/work/reminders/index.vue'),
        meta: { titleKey: 'work.menu.reminders', perm: ['reminder.manage'], menuKey: 'settings-reminders' },
      },
      {
        path: 'settings/tag-rules',
        name: 'tag-rules',
        component: () => import('@/views/work/tagRules/index.vue'),
        meta: { titleKey: 'work.menu.tagRules', perm: ['settings.manage'], menuKey: 'settings-tag-rules' },
      },
      {
        path: 'settings/my-reminders',
        name: 'my-reminders',
        component: () => import('@/views/work/reminders/MyPreferences.vue'),
        meta: { titleKey: 'work.menu.myReminders', menuKey: 'settings-my-reminders' },
      },
      {
        path: '403',
        name: 'forbidden',
        component: () => import('@/views/error/Forbidden.vue'),
        meta: { titleKey: 'errors.noAccessPage' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/error/NotFound.vue'),
        meta: { titleKey: 'notFound.title' },
      },
    ],
  },
]

const router = createRouter({
  history: createWebHistory(),
  routes,
})

function safeRedirect(value: unknown): string | null {
  const s = typeof value === 'string' ? value : ''
  // only paths inside this app, never another origin
  if (s.startsWith('/') && !s.startsWith('//') && !s.startsWith('/login')) return s
  return null
}

router.beforeEach(async (to) => {
  const user = useUserStore()
  let loggedIn = false
  try {
    loggedIn = await user.ensureMe()
  } catch {
    loggedIn = false
  }

  if (to.meta.public) {
    if (to.name === 'login' && loggedIn) return safeRedirect(to.query.redirect) || homePath(user.can, user.me?.role?.kind === 'sales')
    return true
  }
  if (!loggedIn) {
    return { name: 'login', query: to.fullPath && to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  }
  const needed = to.name === 'customers' ? poolPerms(String(to.params.pool)) : to.meta.perm
  if (needed && !user.can(needed)) {
    return { name: 'forbidden', query: { from: to.fullPath } }
  }
  return true
})

export function pageTitle(route: { name?: unknown; params: Record<string, unknown>; meta: { titleKey?: string } }) {
  const t = i18n.global.t as (k: string) => string
  let title = route.meta.titleKey ? t(route.meta.titleKey) : ''
  if (route.name === 'customers' && route.params.pool) title = t(`pool.${route.params.pool}`)
  const app = t('app.name')
  return title ? `${title} - ${app}` : app
}

router.afterEach((to) => {
  document.title = pageTitle(to)
})

export { safeRedirect }
export default router
