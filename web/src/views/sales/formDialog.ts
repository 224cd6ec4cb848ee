// The save of a sales form dialog (components/FormDialog.vue): validate the form, write, say so, close and
// hand the saved record on; a 422's field errors land on their fields. Shared by the opportunity, order,
// contract, invoice, payment, payment-plan and product dialogs.
import { ref, useTemplateRef, type Ref } from 'vue'
import { ElMessage } from 'element-plus'
import { fieldErrorMap } from '@/api/http'

/** What FormDialog.vue exposes. */
export interface FormShell {
  validate: () => Promise<boolean>
  clearValidate: () => void
}

export function useFormSave<T>(visible: Ref<boolean>, saved: (record: T) => void) {
  /** the dialog's `<FormDialog ref="shell">` */
  const shell = useTemplateRef<FormShell>('shell')
  const saving = ref(false)
  /** server field errors by field name, for the form items' `:error` */
  const errors = ref<Record<string, string>>({})

  /** on open: no errors, no validation messages left from last time */
  function reset() {
    errors.value = {}
    shell.value?.clearValidate()
  }

  /**
   * Validate, then `write()` — which may set `errors` itself and return nothing to stop — and on success
   * show `message`, close and emit the record.
   */
  async function submit(write: () => Promise<T> | null | undefined, message: string) {
    errors.value = {}
    if (!(await shell.value?.validate())) return
    const pending = write()
    if (!pending) return
    saving.value = true
    try {
      const record = await pending
      ElMessage.success(message)
      visible.value = false
      saved(record)
    } catch (e) {
      errors.value = fieldErrorMap(e)
    } finally {
      saving.value = false
    }
  }

  return { saving, errors, reset, submit }
}
