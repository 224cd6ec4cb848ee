// Employee names for ids the customer API gives (previous owner, collaborators, WeCom friends, timeline)
// and the employees a viewer may hand customers to: one shared list, loaded once per session.
import { computed, ref } from 'vue'
import { listEmployees, type Employee } from '@/api/employee'
import type { Id } from '@/api/http'
import { useUserStore } from '@/stores/user'
import { useOrgStore } from '@/stores/org'

const all = ref<Employee[]>([])
const loaded = ref(false)
let pending: Promise<void> | null = null

async function load(force = false): Promise<void> {
  if (loaded.value && !force) return
  if (pending) return pending
  pending = (async () => {
    try {
      const res = await listEmployees({ include_disabled: true, limit: 500 }, { silent: true })
      all.value = res.items
      loaded.value = true
    } catch {
      /* names fall back to #id */
    } finally {
      pending = null
    }
  })()
  return pending
}

const byId = computed(() => new Map(all.value.map((e) => [String(e.id), e])))

export function usePeople() {
  const user = useUserStore()
  const org = useOrgStore()
  load()
  org.load().catch(() => undefined)

  function nameOf(id: Id | null | undefined): string {
    if (id === null || id === undefined || id === '') return ''
    return byId.value.get(String(id))?.name || `#${id}`
  }

  /** org units in the viewer's data scope (null: all) — the same rule as the server's */
  const scopeUnits = computed<Set<string> | null>(() => {
    const me = user.me
    if (!me) return new Set()
    const scope = me.role.data_scope
    if (scope === 'company') return null
    if (scope === 'self') return new Set()
    const dept = String(me.department_id ?? '')
    if (scope === 'department' || !org.loaded) return new Set([dept])
    // center: every unit under the viewer's center
    const units = org.units
    const parent = new Map(units.map((u) => [String(u.id), u.parent_id === null ? null : String(u.parent_id)]))
    const kind = new Map(units.map((u) => [String(u.id), u.kind]))
    let center: string | null = dept
    while (center && kind.get(center) !== 'center') center = parent.get(center) ?? null
    if (!center) return new Set([dept])
    const out = new Set<string>()
    for (const u of units) {
      let p: string | null = String(u.id)
      while (p && p !== center) p = parent.get(p) ?? null
      if (p === center) out.add(String(u.id))
    }
    return out
  })

  /** active employees the viewer may assign / transfer to */
  const assignable = computed(() => {
    const units = scopeUnits.value
    const me = user.me
    return all.value.filter(
      (e) =>
        e.is_active &&
        (units === null || units.has(String(e.department_id)) || (me !== null && String(e.id) === String(me.id))),
    )
  })
  const active = computed(() => all.value.filter((e) => e.is_active))
  return { all, active, assignable, loaded, byId, nameOf, load }
}
