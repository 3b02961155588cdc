/**
 * Packet features without a model: an engine instance with no blob, driven
 * through pce_extract. `packetclip features` uses it; the per-address state
 * is the same code and the same bytes pushPacket uses (docs/features.md).
 */
import { instantiateEngine, type EngineExports } from '../engine.js';
import { PacketInput } from './packet-input.js';

/** Options of createFeatureExtractor(); every field is optional. */
export interface FeatureExtractorOptions {
  /** true (default): the SIMD build; false: the scalar build. Both give identical features. */
  simd?: boolean;
}

export interface FeatureExtractor {
  /** The feature layout version the engine computes (docs/features.md). */
  readonly featureVersion: number;
  /** Longest frame taken whole; longer frames are cut to it. */
  readonly capacity: number;
  /**
   * Features of one packet, u8[128], into `out` when given (no allocation),
   * else a new array. Updates the per-address state: call in capture order.
   */
  extract(bytes: Uint8Array, tsMicros: number, linkType: number, origLen?: number, out?: Uint8Array): Uint8Array;
  /** Decode status of the last packet (PACKET_STATUS). */
  status(): number;
  /** Forgets every packet seen. */
  reset(): void;
}

class WasmFeatureExtractor implements FeatureExtractor {
  readonly featureVersion: number;
  readonly capacity: number;
  private readonly input: PacketInput;

  constructor(private readonly x: EngineExports) {
    this.input = new PacketInput(x);
    this.featureVersion = x.pce_feature_version();
    this.capacity = this.input.capacity;
  }

  extract(bytes: Uint8Array, tsMicros: number, linkType: number, origLen?: number, out?: Uint8Array): Uint8Array {
    const r = this.input.extract(bytes, tsMicros, linkType, origLen);
    if (r < 0) throw new Error(`engine refused the packet (code ${-r})`); // unreachable: the input cuts frames to capacity
    return this.input.features(out);
  }

  status(): number {
    return this.x.pce_packet_status();
  }

  reset(): void {
    this.x.pce_reset(); // clears the feature state; returns NOT_INITIALISED without a blob, which is expected here
  }
}

/** A feature extractor on a fresh engine instance (no blob needed). */
export async function createFeatureExtractor(options: FeatureExtractorOptions = {}): Promise<FeatureExtractor> {
  return new WasmFeatureExtractor(await instantiateEngine(options.simd ?? true));
}
