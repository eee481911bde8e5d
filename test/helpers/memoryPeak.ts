// Peak memory while something runs: sampled on a timer (a benchmark's figure, never a test's assertion).
export interface MemoryPeak {
  before: NodeJS.MemoryUsage;
  peakRss: number;
  peakHeap: number;
}

/** Runs `work`, sampling RSS and heap every `everyMs`; returns its result and the peaks. */
export async function withMemoryPeak<T>(work: () => Promise<T>, everyMs: number): Promise<{ result: T; memory: MemoryPeak }> {
  const before = process.memoryUsage();
  const memory: MemoryPeak = { before, peakRss: before.rss, peakHeap: before.heapUsed };
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    memory.peakRss = Math.max(memory.peakRss, m.rss);
    memory.peakHeap = Math.max(memory.peakHeap, m.heapUsed);
  }, everyMs);
  try {
    return { result: await work(), memory };
  } finally {
    clearInterval(timer);
  }
}
