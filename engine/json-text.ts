// The JSON text of frozen plain data, computed once per object: a frozen object (a normalized command shared by
// every judgement of its text) stringifies the same every time. A maker of such an object that already knows its
// text (a template's instance: the template's text with three strings put in) may hand it over instead.
const texts = new WeakMap<object, string>()

/** JSON.stringify(value) for a frozen object, remembered for the object. */
export function frozenJson(value: object): string {
  let text = texts.get(value)
  if (text === undefined) {
    text = JSON.stringify(value)
    texts.set(value, text)
  }
  return text
}

/** Records `text` as the JSON of frozen `value`; the caller vouches that it is exactly JSON.stringify(value). */
export function knownJson(value: object, text: string): void {
  if (Object.isFrozen(value)) texts.set(value, text)
}
