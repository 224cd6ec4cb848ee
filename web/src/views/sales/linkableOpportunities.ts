// The opportunities a contract or an order (ContractDialog, OrderDialog) may link to: the customer's, less the
// lost ones (unless it is the one already linked). `load` on open; a change of the dialog's customer loads the
// new customer's and drops a link to the former one's.
import { ref, watch, type Ref } from 'vue'
import { listCustomerOpportunities, type Opportunity } from '@/api/sales'
import type { Id } from '@/api/http'

export function useLinkableOpportunities(
  model: { customer_id: Id | null; opportunity_id: Id | null },
  visible: Ref<boolean>,
) {
  const opportunities = ref<Opportunity[]>([])

  async function load(customerId: Id | null) {
    opportunities.value = []
    if (customerId === null) return
    try {
      const res = await listCustomerOpportunities(customerId, { limit: 200 })
      opportunities.value = res.items.filter((o) => o.status !== 'lost' || o.id === model.opportunity_id)
    } catch {
      opportunities.value = []
    }
  }

  watch(
    () => model.customer_id,
    (id, old) => {
      if (!visible.value || old === undefined || id === old) return
      if (old !== null) model.opportunity_id = null
      load(id)
    },
  )

  return { opportunities, load }
}
