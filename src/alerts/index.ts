/**
 * Alerts: packet location, thresholds, episodes, evidence and eve.json lines (docs/alerts-format.md).
 * Browser-safe: nothing here touches node: modules.
 * @packageDocumentation
 */
export { alertOf, ALERT_CONCEPTS, SID_BASE, type Alert, type AlertConcept } from './alert.js';
export { CappedCounter, episodeClass, EpisodeTracker, MAX_DISTINCT, MAX_HOSTS, type ConceptTotal, type Episode, type Verdict } from './episodes.js';
export { ALERTS_FORMAT_VERSION, eveTimestamp, formatEveAlert } from './eve.js';
export { evidenceSentence, formatBytes, formatRate, MIN_LOGIN_CONNECTIONS, SERVICES } from './evidence.js';
export { loginRefusal, PacketLocator, type LoginRefusal, type PacketFacts } from './packet-facts.js';
export * from './thresholds.js';
