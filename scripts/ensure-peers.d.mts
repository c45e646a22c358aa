export const allPeers: string[]
export function ensurePeers(names?: string[]): Record<string, string>
