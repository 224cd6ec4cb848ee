// 省/市/区 for the region pickers (customer form, filter builder, pinned filters). The data is the
// @vant/area-data package (national standard GB/T 2260 codes and names, kept by the Vant team), loaded
// on first use as a chunk of its own. A region is stored as its names joined by "/" (浙江省/杭州市/西湖区,
// as the API validates it), so the cascader's values are the names, not the codes.
export interface RegionOption {
  value: string
  label: string
  children?: RegionOption[]
}

interface AreaNode {
  text: string
  value: string
  children?: AreaNode[]
}

let loading: Promise<RegionOption[]> | null = null

function convert(nodes: AreaNode[]): RegionOption[] {
  return nodes.map((n) => ({
    value: n.text,
    label: n.text,
    ...(n.children && n.children.length ? { children: convert(n.children) } : {}),
  }))
}

/** The province → city → district tree (loaded once). */
export function loadRegions(): Promise<RegionOption[]> {
  if (!loading) {
    loading = import('@vant/area-data')
      .then((m) => convert(m.useCascaderAreaData() as AreaNode[]))
      .catch((e) => {
        loading = null
        throw e
      })
  }
  return loading
}

/** "广东省 / 深圳市" or "广东省／深圳市" → "广东省/深圳市" (the API's form). */
export function regionPath(parts: string[]): string {
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .join('/')
}

export function regionParts(path: string | null | undefined): string[] {
  return (path || '')
    .replace(/／/g, '/')
    .split('/')
    .map((p) => p.trim())
    .filter(Boolean)
}
