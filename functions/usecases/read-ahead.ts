/**
 * Keeps the next page of a paged read in flight while the current one is processed: the
 * reader asks for page n+1 before handing out page n, so reading and processing overlap
 * instead of taking turns (exports and verification stream 100,000s of entries).
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const pages = source[Symbol.asyncIterator]();
  let next = pages.next();
  for (;;) {
    const page = await next;
    if (page.done) return;
    next = pages.next();
    // A rejection of the page in flight surfaces when it is awaited; never unhandled meanwhile.
    next.catch(() => undefined);
    yield page.value;
  }
}
