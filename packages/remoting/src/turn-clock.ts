// A clock read at most once per event-loop iteration, for the rpc-latency observer. On a VM a
// performance.now() costs 160–280 ns (measured here, kvm host); two per request were the
// exporter's largest cost per message. Every I/O callback of one poll phase sees the same value,
// and the check phase (setImmediate) expires it, so a request handled within one iteration
// reads 0 ms and one that spans iterations is timed to the iteration it started and ended in:
// an error bounded by one iteration's length, below the first 1 ms bucket unless the loop stalls
// (and then the stall is what the histogram should show).

let cached = -1;
const expire = (): void => {
  cached = -1;
};

/** performance.now() as of the first call in the current event-loop iteration. */
export function turnNow(): number {
  if (cached < 0) {
    cached = performance.now();
    setImmediate(expire);
  }
  return cached;
}
