/**
 * packetclip-edge: integer-only PacketCLIP-style intrusion detection in WebAssembly.
 * @packageDocumentation
 */
export {
  ENGINE_ERROR_COUNT, ENGINE_ERROR_MESSAGES, ENGINE_ERRORS, EngineError, engineMessage, initBlob, instantiateEngine, loadEngine,
  quantizeFeatures, wasmUrl,
  type Engine, type EngineErrorName, type EngineExports, type EngineInfo, type EngineOptions, type MissionInfo, type Result,
  type SourceAddress,
} from './engine.js';
export {
  createFeatureExtractor, FEATURE_COUNT, PACKET_STATUS, packetStatusText, readFeaturesFile, writeFeatures,
  type FeatureExtractor, type FeatureExtractorOptions, type FeaturesFile, type WriteFeaturesOptions, type WriteFeaturesResult,
} from './features/index.js';
export { chooseModel, runCapture, type RunOptions, type RunSummary } from './run/index.js';
