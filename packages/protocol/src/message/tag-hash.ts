/**
 * Java `String.hashCode()` over UTF-16 code units with 32-bit wrap-around: the ConsumeQueue
 * tag field and the subscription `codeSet` both carry it (docs/formats.md §4).
 */
export function tagsHashCode(tags: string | undefined): number {
  if (tags === undefined || tags === '') return 0;
  let h = 0;
  for (let i = 0; i < tags.length; i++) h = (Math.imul(h, 31) + tags.charCodeAt(i)) | 0;
  return h;
}
