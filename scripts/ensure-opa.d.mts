export function ensureOpa(): string
export function pinnedOpaVersion(): string
