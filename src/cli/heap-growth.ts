/**
 * How far the V8 heap may grow past what survived the last full collection before it collects
 * again, for the `ferry` command on a huge tree.
 *
 * Left to itself V8 picks a factor between 1.1 and 4 after each full collection, from how fast
 * collecting is compared with the program: on a huge tree the same run then peaks anywhere
 * between the live data plus a little and four times it (a first sync of 2 million entries:
 * 611, 731 and 882 MiB in three runs, 545 MiB with this limit; see "Huge trees" in
 * docs/performance.md). A fixed 30 % keeps the peak near what the run holds.
 *
 * Set only once the heap passes {@link LARGE_HEAP_BYTES}: changing a V8 flag makes Node compile
 * the modules of its own that it loads afterwards without their built-in code cache (a small
 * run then costs about 15 % more CPU). A `--heap-growing-percent` given to Node wins.
 */
/** The heap may grow by this much (percent of what survived) between full collections. */
export const HEAP_GROWING_PERCENT = 30;

/** A heap this big belongs to a tree of a few hundred thousand entries. */
export const LARGE_HEAP_BYTES = 64 * 1024 * 1024;

/** Limits the heap's growth once it is large (checked every quarter second), unless Node was started with a limit. */
export function limitHeapGrowthWhenLarge(): void {
  if ([...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /heap[-_]growing[-_]percent/.test(arg))) return;
  const timer = setInterval(() => {
    if (process.memoryUsage().heapTotal < LARGE_HEAP_BYTES) return;
    // node:v8 loaded only now: with the node:stream modules it brings it costs a start ~2 ms of CPU.
    process.getBuiltinModule('node:v8').setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    clearInterval(timer);
  }, 250);
  timer.unref();
}
