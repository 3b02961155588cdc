/**
 * The per-source window table of docs/engine-abi.md ("Windows per source")
 * read the way the training side reads it: an ordered map of capacity S,
 * a hit moves its key to the end, a miss on a full map drops the first
 * (Python: OrderedDict, move_to_end, popitem(last=False)). It shares no code
 * with assembly/windows.ts; tests use it to say which packets restart a
 * source's window.
 */

/**
 * A packet's source as the window key sees it: the IP version and the 16 address bytes of the
 * metadata record (an IPv4 address zero-padded) when the version is 4 or 6, else `none`.
 */
export function sourceKey(ipVersion: number, address: ArrayLike<number>): string {
  if (ipVersion !== 4 && ipVersion !== 6) return 'none';
  const bytes = Array.from({ length: 16 }, (_, i) => (i < address.length ? address[i] : 0));
  return `v${ipVersion}:${bytes.map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export class SourceLru {
  private readonly order = new Map<string, true>();

  constructor(readonly capacity: number) {}

  /**
   * Records a packet of `key`. `fresh`: its window starts afresh (a new key, or one evicted since);
   * `evicted`: the key that lost its window to it, if the table was full.
   */
  use(key: string): { fresh: boolean; evicted?: string } {
    if (this.order.delete(key)) {
      this.order.set(key, true);
      return { fresh: false };
    }
    let evicted: string | undefined;
    if (this.order.size === this.capacity) {
      evicted = this.order.keys().next().value!;
      this.order.delete(evicted);
    }
    this.order.set(key, true);
    return { fresh: true, evicted };
  }

  clear(): void {
    this.order.clear();
  }
}
