// A streamed response (server-sent events, a watch) read by a test until what it waits for has arrived.

/** GETs `url` and reads the body until `until` holds of the text so far, the stream ends, or `ms` pass. */
export async function readStream(url: string, headers: Record<string, string>, until: (text: string) => boolean, ms: number): Promise<{ status: number; text: string }> {
  const controller = new AbortController()
  const res = await fetch(url, { method: 'GET', headers, signal: controller.signal })
  let text = ''
  const timer = setTimeout(() => controller.abort(), ms)
  try {
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    while (!until(text)) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // aborted: the text so far
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
  return { status: res.status, text }
}
