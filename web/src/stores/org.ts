import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { listOrgUnits, type OrgUnit } from '@/api/org'
import type { Id } from '@/api/http'
import { buildTree } from '@/utils/tree'

export type OrgTreeNode = OrgUnit & { children: OrgTreeNode[] }

export const useOrgStore = defineStore('org', () => {
  const units = ref<OrgUnit[]>([])
  const loaded = ref(false)
  const loading = ref(false)

  const tree = computed<OrgTreeNode[]>(() => buildTree(units.value) as unknown as OrgTreeNode[])
  const byId = computed(() => new Map(units.value.map((u) => [u.id, u])))

  async function load(force = false) {
    if (loaded.value && !force) return
    loading.value = true
    try {
      const res = await listOrgUnits()
      units.value = res.items
      loaded.value = true
    } finally {
      loading.value = false
    }
  }

  function nameOf(id: Id | null | undefined): string {
    if (id === null || id === undefined) return ''
    return byId.value.get(id)?.name || ''
  }

  return { units, loaded, loading, tree, byId, load, nameOf }
})
