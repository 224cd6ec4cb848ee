import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as authApi from '@/api/auth'
import type { Me, LoginPayload } from '@/api/auth'
import { hasCsrfCookie, isApiError, rememberCsrfToken } from '@/api/http'

export const useUserStore = defineStore('user', () => {
  const me = ref<Me | null>(null)
  /** true once /me was asked (answered or refused) */
  const checked = ref(false)

  const permissions = computed(() => new Set(me.value?.permissions || []))
  const isLoggedIn = computed(() => me.value !== null)

  function can(perm?: string | string[] | null): boolean {
    if (!perm) return true
    const list = Array.isArray(perm) ? perm : [perm]
    return list.every((p) => permissions.value.has(p))
  }

  /** Load the caller once; resolves to whether a session exists. Other errors are rethrown. */
  async function ensureMe(): Promise<boolean> {
    if (checked.value) return isLoggedIn.value
    // No readable huike_csrf cookie means no login in this browser: do not ask (avoids a 401 in the console).
    if (!hasCsrfCookie()) {
      me.value = null
      checked.value = true
      return false
    }
    try {
      me.value = await authApi.fetchMe()
    } catch (e) {
      if (isApiError(e) && e.status === 401) {
        me.value = null
      } else {
        throw e
      }
    }
    checked.value = true
    return isLoggedIn.value
  }

  async function refreshMe() {
    me.value = await authApi.fetchMe()
    checked.value = true
  }

  async function login(payload: LoginPayload) {
    const res = await authApi.login(payload)
    rememberCsrfToken(res.csrf_token)
    me.value = res.employee
    checked.value = true
    // The login answer may carry a partial employee; the full caller comes from /me.
    try {
      me.value = await authApi.fetchMe()
    } catch {
      /* keep the login answer */
    }
  }

  async function logout() {
    try {
      await authApi.logout()
    } finally {
      clear()
    }
  }

  function clear() {
    me.value = null
    checked.value = true
    rememberCsrfToken(null)
  }

  return { me, checked, permissions, isLoggedIn, can, ensureMe, refreshMe, login, logout, clear }
})
