// The tenant's sales settings, stages and lost reasons, loaded once per page and shared by the views.
import { computed, ref } from 'vue'
import {
  getSalesSettings,
  listLostReasons,
  listStages,
  type LostReason,
  type SalesSettings,
  type Stage,
} from '@/api/sales'

const settings = ref<SalesSettings | null>(null)
const stages = ref<Stage[]>([])
const reasons = ref<LostReason[]>([])
let loading: Promise<void> | null = null

async function fetchAll() {
  const [s, st, r] = await Promise.all([getSalesSettings(), listStages(), listLostReasons()])
  settings.value = s
  stages.value = st
  reasons.value = r
}

/** Load (once, or again with force) and share settings, stages and lost reasons. */
export function useSalesMeta() {
  function load(force = false): Promise<void> {
    if (!loading || force) {
      loading = fetchAll().catch((e) => {
        loading = null
        throw e
      })
    }
    return loading
  }
  const restricted = computed(() => !!settings.value?.restrict_manual_won)
  const openStages = computed(() => stages.value.filter((s) => s.kind === 'open'))
  const wonStage = computed(() => stages.value.find((s) => s.kind === 'won') || null)
  const lostStage = computed(() => stages.value.find((s) => s.kind === 'lost') || null)
  const enabledReasons = computed(() => reasons.value.filter((r) => r.enabled))
  return { settings, stages, reasons, restricted, openStages, wonStage, lostStage, enabledReasons, load }
}
