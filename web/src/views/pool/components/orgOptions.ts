// Org units as tree-select options: any unit, or departments only.
import { computed } from 'vue'
import type { Id } from '@/api/http'
import { useOrgStore, type OrgTreeNode } from '@/stores/org'

export interface UnitOption {
  value: Id
  label: string
  disabled: boolean
  children: UnitOption[]
}

export function useUnitOptions() {
  const org = useOrgStore()
  org.load().catch(() => undefined)
  const walk = (list: OrgTreeNode[], departmentsOnly: boolean): UnitOption[] =>
    list
      .filter((u) => !u.disabled)
      .map((u) => ({
        value: u.id,
        label: u.name,
        disabled: departmentsOnly && u.kind !== 'department',
        children: walk(u.children, departmentsOnly),
      }))
  const units = computed(() => walk(org.tree, false))
  const departments = computed(() => walk(org.tree, true))
  return { org, units, departments, nameOf: (id: Id | null | undefined) => org.nameOf(id) }
}
