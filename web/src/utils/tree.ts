import type { Id } from '@/api/http'

export interface TreeNode<T> {
  id: Id
  data: T
  children: TreeNode<T>[]
}

/** A flat list with parent ids → roots with nested children (sorted by `sort`, else as given). */
export function buildTree<T extends { id: Id; parent_id: Id | null; sort?: number; name?: string }>(
  items: T[],
): (T & { children: (T & { children: unknown[] })[] })[] {
  type N = T & { children: N[] }
  const byId = new Map<Id, N>()
  for (const it of items) byId.set(it.id, { ...it, children: [] } as N)
  const roots: N[] = []
  for (const n of byId.values()) {
    const parent = n.parent_id !== null && n.parent_id !== undefined ? byId.get(n.parent_id) : undefined
    if (parent) parent.children.push(n)
    else roots.push(n)
  }
  // by `sort`; ties keep the server's order (Array.prototype.sort is stable)
  const cmp = (a: N, b: N) => (a.sort ?? 0) - (b.sort ?? 0)
  const sortRec = (list: N[]) => {
    list.sort(cmp)
    list.forEach((c) => sortRec(c.children))
  }
  sortRec(roots)
  return roots
}

/** The ids of a node and everything below it. */
export function subtreeIds<T extends { id: Id; children?: T[] }>(node: T): Set<Id> {
  const out = new Set<Id>()
  const walk = (n: T) => {
    out.add(n.id)
    ;(n.children || []).forEach(walk)
  }
  walk(node)
  return out
}
