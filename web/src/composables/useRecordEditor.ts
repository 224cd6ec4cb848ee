// The editing half of a settings list (public pools, assignment rules, recycle rules, tag rules): a dialog
// that creates or updates one record, a 422's field errors on their fields, and a confirmed delete.
import { ref, type Ref } from 'vue'
import { ElMessage, ElMessageBox } from 'element-plus'
import { useI18n } from 'vue-i18n'
import { fieldErrorMap } from '@/api/http'

export interface RecordApi<B> {
  create: (body: B) => Promise<unknown>
  // the record's id (a number or a string id, whatever the API takes)
  update: (id: never, body: B) => Promise<unknown>
  remove: (id: never) => Promise<unknown>
  /** reload the list after a write */
  reload: () => unknown
}

export function useRecordEditor<T extends { id: unknown }, B>(api: RecordApi<B>) {
  const { t } = useI18n()
  const open = ref(false)
  const editing = ref(null) as Ref<T | null>
  const saving = ref(false)
  const errors = ref<Record<string, string>>({})

  /** create or update with `body`; the dialog closes on success */
  async function write(body: B) {
    saving.value = true
    try {
      if (editing.value) await api.update(editing.value.id as never, body)
      else await api.create(body)
      ElMessage.success(t('common.saved'))
      open.value = false
      api.reload()
    } catch (e) {
      errors.value = fieldErrorMap(e)
    } finally {
      saving.value = false
    }
  }

  /** delete after a confirmation whose text is `message` */
  async function remove(record: T, message: string) {
    try {
      await ElMessageBox.confirm(message, t('common.warning'), {
        type: 'warning',
        confirmButtonText: t('common.delete'),
        cancelButtonText: t('common.cancel'),
        confirmButtonClass: 'el-button--danger',
      })
    } catch {
      return
    }
    await api.remove(record.id as never)
    ElMessage.success(t('common.deleted'))
    api.reload()
  }

  return { open, editing, saving, errors, write, remove }
}
