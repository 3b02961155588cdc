/**
 * packetclip-edge: integer-only PacketCLIP-style intrusion detection in WebAssembly.
 * @packageDocumentation
 */
export {
  EngineError, engineMessage, initBlob, instantiateEngine, loadEngine, quantizeFeatures, wasmUrl,
  type Engine, type EngineExports, type EngineInfo, type EngineOptions, type MissionInfo, type Result,
} from './engine.js';
