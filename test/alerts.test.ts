// Alerts (docs/alerts-format.md): k-of-n episodes per host that close after a quiet period, one
// alert per episode with its peers, ports and evidence; eve lines with Suricata's fields that JSON
// readers (Node, Python, jq) take; the thresholds file (round trip, precise errors); login refusals.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  alertOf, EpisodeTracker, eveTimestamp, formatEveAlert, formatThresholds, loginRefusal, parseThresholds,
  checkClasses, defaultThresholds, type Alert, type PacketFacts, type Thresholds, type Verdict,
} from '../src/alerts/index.js';
import { command, requires } from './helpers/requires.js';

const CLASSES = ['Benign', 'DoS', 'Reconnaissance', 'Brute Force'];
const T: Thresholds = { classQ15: new Map([['DoS', 26214], ['Reconnaissance', 26214], ['Brute Force', 26214]]), k: 3, n: 4, quietMicros: 5_000_000 };
const ATTACK = [0.05, 0.05, 0.9, 0]; // Reconnaissance 0.9 >= 0.8
const CALM = [0.9, 0.05, 0.05, 0];

let index = 0;
function packet(sec: number, src: string, dst: string, probs: number[], extra: Partial<PacketFacts> = {}): Verdict {
  const facts: PacketFacts = {
    index: index++, tsMicros: Math.round(sec * 1e6), flowId: 7, status: 'ip', ipVersion: 4, protocol: 6,
    srcAddr: src, dstAddr: dst, srcPort: 40000, dstPort: 80, ipLength: 40, tcpFlags: 0x02, bytes: 54, ...extra,
  };
  return { facts, probs, status: 0 };
}

function track(vs: Verdict[], t = T): Alert[] {
  const alerts: Alert[] = [];
  const tr = new EpisodeTracker(CLASSES, t, (e) => alerts.push(alertOf(e, CLASSES)));
  for (const v of vs) tr.push(v);
  tr.flush();
  return alerts;
}

test('episodes: k of n counted packets open one episode; a quiet period closes it; a later burst opens another', () => {
  const a = '10.0.0.9', v = '10.0.0.1';
  const vs = [
    packet(0, a, v, ATTACK, { dstPort: 22 }), packet(0.1, a, v, CALM), packet(0.2, a, v, ATTACK, { dstPort: 23 }),
    packet(0.3, a, v, ATTACK, { dstPort: 25 }), // 3 of the last 4: opens on the attacker (source of the first packet)
    packet(1, v, a, ATTACK, { srcPort: 25, dstPort: 40000, tcpFlags: 0x14 }), packet(2, a, v, ATTACK, { dstPort: 80 }),
    packet(20, a, v, ATTACK), packet(20.1, a, v, ATTACK), packet(20.2, a, v, ATTACK), // > 5 s later: a second episode
  ];
  const alerts = track(vs);
  assert.is(alerts.length, 2);
  const [e1] = alerts;
  assert.is(e1!.className, 'Reconnaissance');
  assert.is(e1!.srcIp, a);
  assert.is(e1!.destIp, v);
  assert.is(e1!.packets, 5, 'counted packets only');
  assert.is(e1!.bytes, 5 * 54);
  assert.is(e1!.peers, 1);
  assert.is(e1!.ports, 4, 'destination ports of the attacking side: 22, 23, 25, 80');
  assert.is(e1!.firstMicros, 0);
  assert.is(e1!.lastMicros, 2_000_000);
  assert.match(e1!.evidence, /^5 packets \(270 B\) in 2\.0 s, 2\.5 packets\/s; from 10\.0\.0\.9 to 1 host; 4 distinct destination ports; SYN without ACK in 100% of 4 TCP packets\.$/);
});

test('episodes: fewer than k of n never alert; spoofed sources alert once on the target; a second attacker joins', () => {
  assert.is(track([packet(0, 'a', 'b', ATTACK), packet(0.1, 'a', 'b', CALM), packet(0.2, 'a', 'b', CALM), packet(0.3, 'a', 'b', ATTACK)]).length, 0);
  const flood = Array.from({ length: 50 }, (_, i) => packet(i / 100, `198.51.100.${i}`, '10.0.0.1', [0.1, 0.9, 0, 0], { protocol: 1, srcPort: undefined, dstPort: undefined, tcpFlags: undefined }));
  const alerts = track(flood);
  assert.is(alerts.length, 1);
  assert.is(alerts[0]!.className, 'DoS');
  assert.is(alerts[0]!.host, '10.0.0.1');
  assert.is(alerts[0]!.peers, 50);
  assert.match(alerts[0]!.evidence, /from 50 sources to 10\.0\.0\.1; 100% ICMP/);
  const two = track([...['x', 'x', 'x', 'y', 'y', 'y', 'x'].map((s, i) => packet(i / 10, s, 'v', ATTACK))]);
  assert.is(two.length, 1, 'y attacks the same target in the same class: one episode');
  assert.is(two[0]!.peers, 2);
});

test('episodes: decode errors and non-IP frames never count', () => {
  const bad = [0, 0.1, 0.2, 0.3].map((s) => ({ ...packet(s, 'a', 'b', ATTACK), status: 8 }));
  const arp = [0, 0.1, 0.2, 0.3].map((s) => packet(s, 'a', 'b', ATTACK, { status: 'arp' }));
  assert.is(track([...bad, ...arp]).length, 0);
});

test('evidence: repeated connections to a login service and the server refusing them', () => {
  const vs: Verdict[] = [];
  for (let c = 0; c < 6; c++) {
    vs.push(packet(c, 'a', 'h', [0.1, 0, 0, 0.9], { flowId: c, dstPort: 21 }));
    vs.push(packet(c + 0.1, 'h', 'a', CALM, { flowId: c, srcPort: 21, dstPort: 40000, refusal: 'FTP 530' }));
  }
  const [al] = track(vs, { ...T, n: 8 }); // every other packet counts
  assert.is(al!.className, 'Brute Force');
  assert.match(al!.evidence, /6 connections to FTP \(port 21\), 1 packets per connection: a failed-login pattern; 4 login refusals from the server \(FTP 530: 4\)\.$/, 'refusals count from the opening of the episode');
});

test('loginRefusal: FTP 530, HTTP 401, MQTT CONNACK refused; not from other ports', () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  assert.is(loginRefusal(text('530 Login incorrect.\r\n'), 0, 21), 'FTP 530');
  assert.is(loginRefusal(text('530 Login incorrect.\r\n'), 0, 2121), undefined);
  assert.is(loginRefusal(text('HTTP/1.1 401 Unauthorized\r\n'), 0, 80), 'HTTP 401');
  assert.is(loginRefusal(text('HTTP/1.1 200 OK\r\n'), 0, 80), undefined);
  assert.is(loginRefusal(new Uint8Array([0x20, 2, 0, 5]), 0, 1883), 'MQTT refused');
  assert.is(loginRefusal(new Uint8Array([0x20, 2, 0, 0]), 0, 1883), undefined);
  assert.is(loginRefusal(new Uint8Array([0x20]), 1, 1883), undefined, 'payload past the frame');
});

function eveLines(): string[] {
  const alerts = track([0, 0.1, 0.2, 0.3].map((s) => packet(1795451751 + s, '192.168.1.5', '192.168.1.1', ATTACK)));
  return alerts.map((a) => formatEveAlert(a, CLASSES, 'capture.pcap'));
}

test('eve: Suricata common section and alert object, then the packetclip object', () => {
  const [line] = eveLines();
  const o = JSON.parse(line!) as Record<string, any>;
  assert.equal(Object.keys(o), ['timestamp', 'flow_id', 'pcap_cnt', 'pcap_filename', 'event_type', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto', 'alert', 'packetclip']);
  assert.is(o.timestamp, '2026-11-23T16:35:51.000000+0000');
  assert.is(o.event_type, 'alert');
  assert.is(o.proto, 'TCP');
  assert.equal(o.alert, { action: 'allowed', gid: 1, signature_id: 1000002, rev: 1, signature: 'PacketCLIP Reconnaissance episode', category: 'Detection of a Network Scan', severity: 3 });
  assert.is(o.packetclip.packets, 4);
  assert.equal(o.packetclip.probs, { 'Benign': 0.05, 'DoS': 0.05, 'Reconnaissance': 0.9, 'Brute Force': 0 });
  assert.type(o.packetclip.evidence, 'string');
  assert.is(eveTimestamp(-1), '1969-12-31T23:59:59.999999+0000');
});

requires(test, command('jq'), command('/usr/bin/python3'))('eve: jq and Python json read every line', () => {
  const text = eveLines().join('\n') + '\n';
  const jq = spawnSync('jq', ['-c', '.alert.signature_id'], { input: text, encoding: 'utf8' });
  assert.is(jq.status, 0, jq.stderr);
  assert.is(jq.stdout.trim(), '1000002');
  const py = spawnSync('/usr/bin/python3', ['-c', 'import json,sys\nfor l in sys.stdin: print(json.loads(l)["packetclip"]["class"])'], { input: text, encoding: 'utf8' });
  assert.is(py.status, 0, py.stderr);
  assert.is(py.stdout.trim(), 'Reconnaissance');
});

test('thresholds file: round trip, defaults, and one precise error per fault', () => {
  const text = formatThresholds(T, ['made by a test']);
  assert.is(text.split('\n')[0], '#packetclip-thresholds\tversion=1');
  assert.equal(parseThresholds(text, 't.tsv'), T);
  checkClasses(T, CLASSES, 't.tsv');
  assert.equal([...defaultThresholds(CLASSES).classQ15.keys()], ['DoS', 'Reconnaissance', 'Brute Force']);
  const bad: [string, RegExp][] = [
    ['hello\n', /t\.tsv: not a thresholds file/],
    ['#packetclip-thresholds\tversion=2\n', /t\.tsv: thresholds version 2 is not supported/],
    ['#packetclip-thresholds\tversion=1\nthreshold.DoS\t0.8\n', /t\.tsv: line 2 \(threshold\.DoS\): expected an integer in 1\.\.32768, got "0\.8"/],
    ['#packetclip-thresholds\tversion=1\nepisode.k\t9\nepisode.n\t4\n', /episode\.k \(9\) is larger than episode\.n \(4\)/],
    ['#packetclip-thresholds\tversion=1\nepisode.k\t2\nepisode.k\t3\n', /line 3: duplicate key episode\.k/],
    ['#packetclip-thresholds\tversion=1\ncolour\tred\n', /line 2: unknown key colour/],
    ['#packetclip-thresholds\tversion=1\nthreshold.DoS 5\n', /line 2: expected key<TAB>value/],
  ];
  for (const [t, re] of bad) assert.throws(() => parseThresholds(t, 't.tsv'), re, t);
  assert.throws(() => checkClasses(parseThresholds('#packetclip-thresholds\tversion=1\nthreshold.Worm\t100\n', 'x'), CLASSES, 'x'), /x: threshold for "Worm"/);
  assert.throws(() => checkClasses(parseThresholds('#packetclip-thresholds\tversion=1\nthreshold.DoS\t100\n', 'x'), CLASSES, 'x'), /x: no threshold for "Reconnaissance", "Brute Force"/);
});

test.run();
