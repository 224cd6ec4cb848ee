import type { Permission } from '@/api/role'

/** The permission codes of the contract, used when GET /permissions is not available. */
export const KNOWN_PERMISSIONS: Permission[] = [
  ...[
    'view',
    'create',
    'edit',
    'delete',
    'assign',
    'claim',
    'recycle',
    'transfer',
    'import',
    'export',
    'phone_full',
  ].map((a) => ({ code: `customer.${a}`, group: 'customer' })),
  ...['potential', 'to_assign', 'recycle_bin'].map((a) => ({ code: `pool.${a}`, group: 'pool' })),
  { code: 'org.manage', group: 'org' },
  { code: 'employee.manage', group: 'org' },
  { code: 'role.manage', group: 'system' },
  { code: 'audit.view', group: 'system' },
  { code: 'settings.manage', group: 'system' },
]

export const GROUP_ORDER = ['customer', 'pool', 'org', 'system']

export function groupPermissions(perms: Permission[]): { group: string; codes: string[] }[] {
  const groups = new Map<string, string[]>()
  for (const p of perms) {
    const g = p.group || p.code.split('.')[0]
    if (!groups.has(g)) groups.set(g, [])
    groups.get(g)!.push(p.code)
  }
  const rank = (g: string) => {
    const i = GROUP_ORDER.indexOf(g)
    return i < 0 ? GROUP_ORDER.length : i
  }
  return [...groups.entries()].sort((a, b) => rank(a[0]) - rank(b[0])).map(([group, codes]) => ({ group, codes }))
}
