/**
 * The evidence sentence of an alert (docs/alerts-format.md, "Evidence"): measurable facts about
 * the episode's packets, never the model's words: volume and rate, who talked to whom, ports
 * touched, SYN share, protocol share, repeated connections to a login service and the server's
 * refusals.
 */
import type { Episode } from './episodes.js';

/** Well-known ports named in evidence; the login services get the failed-login pattern. */
export const SERVICES: ReadonlyMap<number, string> = new Map([
  [21, 'FTP'], [22, 'SSH'], [23, 'Telnet'], [25, 'SMTP'], [53, 'DNS'], [80, 'HTTP'], [110, 'POP3'], [123, 'NTP'],
  [143, 'IMAP'], [443, 'HTTPS'], [1883, 'MQTT'], [3306, 'MySQL'], [3389, 'RDP'], [5683, 'CoAP'], [8080, 'HTTP'],
]);
const LOGIN_PORTS = new Set([21, 22, 23, 80, 110, 143, 1883, 3306, 3389, 8080]);
/** Connections to one login port from the attacking side that make a "repeated logins" fact. */
export const MIN_LOGIN_CONNECTIONS = 5;

function percent(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)}%`;
}

/** Bytes as B, kB or MB (powers of 1000, like the capture tools print them). */
export function formatBytes(b: number): string {
  if (b < 1000) return `${b} B`;
  if (b < 1e6) return `${(b / 1e3).toFixed(1)} kB`;
  return `${(b / 1e6).toFixed(2)} MB`;
}

/** A rate to 3 significant digits at most, without exponent. */
export function formatRate(r: number): string {
  return r >= 100 ? String(Math.round(r)) : String(Number(r.toPrecision(3)));
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const atLeast = (full: boolean): string => (full ? 'at least ' : '');

export function evidenceSentence(e: Episode): string {
  const seconds = (e.last.tsMicros - e.first.tsMicros) / 1e6;
  const facts: string[] = [];
  facts.push(seconds > 0
    ? `${plural(e.packets, 'packet')} (${formatBytes(e.bytes)}) in ${seconds.toFixed(1)} s, ${formatRate(e.packets / seconds)} packets/s`
    : `${plural(e.packets, 'packet')} (${formatBytes(e.bytes)}) at one instant`);
  const peers = `${atLeast(e.peers.full)}${e.peers.counts.size}`;
  facts.push(e.hostIsSource ? `from ${e.host} to ${peers} ${e.peers.counts.size === 1 ? 'host' : 'hosts'}` : `from ${peers} ${e.peers.counts.size === 1 ? 'source' : 'sources'} to ${e.host}`);
  const ports = e.ports.counts.size;
  if (ports > 1) facts.push(`${atLeast(e.ports.full)}${ports} distinct destination ports`);
  else if (ports === 1) {
    const p = e.ports.top(1)[0]![0];
    facts.push(`to port ${p}${SERVICES.has(p) ? ` (${SERVICES.get(p)})` : ''}`);
  }
  const attacking = e.tcp + e.udp + e.icmp;
  if (e.tcp > 0) facts.push(`SYN without ACK in ${percent(e.synOnly, e.tcp)} of ${plural(e.tcp, 'TCP packet')}`);
  if (attacking > 0 && e.udp / attacking >= 0.5) facts.push(`${percent(e.udp, attacking)} UDP`);
  if (attacking > 0 && e.icmp / attacking >= 0.5) facts.push(`${percent(e.icmp, attacking)} ICMP`);
  const [top] = e.ports.top(1);
  if (top !== undefined && LOGIN_PORTS.has(top[0]) && ports <= 3 && e.flows.counts.size >= MIN_LOGIN_CONNECTIONS) {
    const n = e.flows.counts.size;
    // Connections alone are also what a flood on that port looks like: "failed logins" needs the server's refusals.
    facts.push(`${atLeast(e.flows.full)}${n} connections to ${SERVICES.get(top[0])} (port ${top[0]}), ${formatRate(e.packets / n)} packets per connection${e.refusals.counts.size > 0 ? ': a failed-login pattern' : ''}`);
  }
  if (e.refusals.counts.size > 0) {
    const total = [...e.refusals.counts.values()].reduce((a, b) => a + b, 0);
    facts.push(`${plural(total, 'login refusal')} from the server (${e.refusals.top(4).map(([k, n]) => `${k}: ${n}`).join(', ')})`);
  }
  return `${facts.join('; ')}.`;
}
