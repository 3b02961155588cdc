/**
 * Remembers the flow of each fragmented datagram's first fragment, so that later fragments (which
 * carry no ports) join the same flow. Bounded: at most `capacity` datagrams, oldest forgotten
 * first, and an entry older than the reassembly timeout no longer matches (IPv4 identifications
 * wrap after 65536 datagrams).
 */

/** Linux's default reassembly timeout (net.ipv4.ipfrag_time), seconds. */
export const FRAGMENT_TIMEOUT_SECONDS = 30;
/** Datagrams tracked at once; a fragment flood beyond this loses association, not memory. */
export const MAX_TRACKED_DATAGRAMS = 65_536;

export interface FirstFragment {
  readonly flowKey: string;
  /** sourceIsLower() of the first fragment; later fragments have the same addresses. */
  readonly srcLower: boolean;
  /** What a new flow records as its ports if a later fragment outlives the first one's flow. */
  readonly srcPort: number;
  readonly dstPort: number;
  readonly micros: number;
}

export class FragmentMap {
  private readonly entries = new Map<string, FirstFragment>();

  constructor(
    private readonly capacity = MAX_TRACKED_DATAGRAMS,
    private readonly timeoutMicros = FRAGMENT_TIMEOUT_SECONDS * 1e6,
  ) {}

  remember(datagram: string, first: FirstFragment): void {
    this.entries.delete(datagram); // re-insert, so Map order stays oldest first
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(datagram, first);
  }

  find(datagram: string, nowMicros: number): FirstFragment | undefined {
    const first = this.entries.get(datagram);
    if (first === undefined || Math.abs(nowMicros - first.micros) <= this.timeoutMicros) return first;
    this.entries.delete(datagram);
    return undefined;
  }

  clear(): void {
    this.entries.clear();
  }
}
