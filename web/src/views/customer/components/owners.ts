// Owner choices for the customer form: employees by remote search, always including the caller.
import { ref } from 'vue'
import { listEmployees } from '@/api/employee'
import type { Id } from '@/api/http'
import { useUserStore } from '@/stores/user'

export function useOwnerOptions() {
  const user = useUserStore()
  const owners = ref<{ id: Id; name: string }[]>([])
  const loading = ref(false)
  let seq = 0

  function withMe(list: { id: Id; name: string }[]) {
    const me = user.me
    if (me && !list.some((o) => o.id === me.id)) return [{ id: me.id, name: me.name }, ...list]
    return list
  }

  async function search(q = '') {
    const mine = ++seq
    loading.value = true
    try {
      // Employees may be closed to this caller (no employee.manage): then only "me" is offered.
      const res = await listEmployees({ q: q || undefined, limit: 20 }, { silent: true })
      if (mine === seq) owners.value = withMe(res.items.filter((e) => e.is_active).map((e) => ({ id: e.id, name: e.name })))
    } catch {
      if (mine === seq) owners.value = withMe([])
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  owners.value = withMe([])
  return { owners, loading, search }
}
