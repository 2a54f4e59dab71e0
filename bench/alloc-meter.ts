import { GCProfiler, getHeapStatistics, setFlagsFromString } from 'node:v8';

/**
 * What a process allocated and collected between `start()` and `stop()`,
 * measured with V8's GC profiler: the heap in use just before each GC
 * minus what was left after the previous one is what was allocated in
 * between (the same for ArrayBuffer memory outside the heap, where the
 * bytes of large Buffers live). V8 frees ArrayBuffers on a background
 * thread between GCs, which would hide allocations from that count, so
 * while the meter runs they are freed inside the GC instead.
 */
export interface AllocStats {
  /** Bytes allocated on the V8 heap (objects, strings, small Buffers' handles). */
  heapBytes: number;
  /** Bytes of ArrayBuffer memory allocated outside the heap (Buffer contents). */
  externalBytes: number;
  /** GCs by V8's type name (Scavenge, MarkSweepCompact, ...). */
  gcs: Record<string, number>;
  /** Time spent in those GCs, in µs (pauses of the main thread and the GC's own work). */
  gcUs: number;
}

interface HeapNumbers {
  usedHeapSize: number;
  externalMemory: number;
}

let profiler: GCProfiler | undefined;
let startHeap: HeapNumbers | undefined;

function now(): HeapNumbers {
  const stats = getHeapStatistics();
  return { usedHeapSize: stats.used_heap_size, externalMemory: stats.external_memory };
}

/** Starts counting (again). */
export function startAllocMeter(): void {
  profiler?.stop();
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  profiler = new GCProfiler();
  startHeap = now();
  profiler.start();
}

/** Stops counting and returns what was allocated since `startAllocMeter()`. */
export function stopAllocMeter(): AllocStats {
  if (!profiler || !startHeap) throw new Error('the allocation meter was not started');
  const end = now();
  const statistics = profiler.stop().statistics;
  profiler = undefined;
  setFlagsFromString('--concurrent-array-buffer-sweeping');
  let previous = startHeap;
  const result: AllocStats = { heapBytes: 0, externalBytes: 0, gcs: {}, gcUs: 0 };
  const add = (before: HeapNumbers, after: HeapNumbers) => {
    result.heapBytes += Math.max(0, before.usedHeapSize - previous.usedHeapSize);
    result.externalBytes += Math.max(0, before.externalMemory - previous.externalMemory);
    previous = after;
  };
  for (const gc of statistics) {
    add(gc.beforeGC.heapStatistics, gc.afterGC.heapStatistics);
    result.gcs[gc.gcType] = (result.gcs[gc.gcType] ?? 0) + 1;
    result.gcUs += gc.cost;
  }
  add(end, end);
  return result;
}
