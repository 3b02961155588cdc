/**
 * Packet features on the host side: the engine computes them (docs/features.md);
 * this module feeds it frames, writes the features file (docs/features-file.md)
 * and reads the lab's label manifests (docs/labels-format.md).
 */
export { createFeatureExtractor, type FeatureExtractor, type FeatureExtractorOptions } from './extractor.js';
export {
  FEATURES_FILE_HEADER_BYTES, FEATURES_FILE_MAGIC, FEATURES_FILE_VERSION, FeaturesFileWriter, featuresFileHeader, readFeaturesFile,
  type FeaturesFile, type FeaturesFileHeader,
} from './features-file.js';
export {
  checkLabelsCover, FINE_TO_COARSE, formatLabelsManifest, LABELS_COLUMNS, LABELS_MAGIC, LABELS_VERSION, parseLabelsManifest, ROLES,
  type LabelRow, type LabelsManifest,
} from './labels-manifest.js';
export { FEATURE_COUNT, PacketInput } from './packet-input.js';
export { META_BYTES, PacketMetaReader, type PacketMeta } from './packet-meta.js';
export { PACKET_OK, PACKET_STATUS, packetStatusText } from './packet-status.js';
export { describeFeatures, labelsPathFor, writeFeatures, type WriteFeaturesOptions, type WriteFeaturesResult } from './write-features.js';
