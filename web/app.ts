/**
 * The browser page (web/index.html): a dropped capture runs through the same engine .wasm and the
 * same run loop as `packetclip run` (src/run/classify.ts), entirely in the page. Shows the HTML
 * report of `run --html` (timeline, alerts, talkers, labels) and offers the jsonl and eve lines.
 * Built by tools/build-web.mjs into build/web/ with the engine, the shipped model and its
 * thresholds beside it. `window.packetclip` holds the last run for tests.
 */
import { checkClasses, defaultThresholds, formatEveAlert, parseThresholds, type Alert, type Thresholds } from '../src/alerts/index.js';
import { loadEngine, type Engine } from '../src/engine.js';
import { PcapError } from '../src/pcap/errors.js';
import { parseCaptureBytes } from '../src/pcap/read-bytes.js';
import { renderReport, ReportCollector } from '../src/report/html.js';
import { PacketClassifier } from '../src/run/classify.js';

/** Packets classified between two yields to the page (progress, responsiveness). */
const SLICE = 2000;

interface PageRun {
  readonly name: string;
  readonly build: string;
  readonly packets: number;
  readonly jsonl: string;
  readonly eve: string;
  readonly alerts: readonly Alert[];
  readonly error?: string;
}

declare global {
  interface Window {
    packetclip?: PageRun;
  }
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = (text: string, error = false): void => {
  const s = $('status');
  s.textContent = text;
  s.className = error ? 'error' : '';
};

async function fetchBytes(name: string): Promise<Uint8Array> {
  const r = await fetch(new URL(name, location.href));
  if (!r.ok) throw new Error(`cannot load ${name}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** The shipped thresholds when they load, else the built-in defaults. */
async function thresholdsFor(classes: readonly string[]): Promise<Thresholds> {
  const r = await fetch(new URL('packetclip-edge.thresholds', location.href));
  if (!r.ok) return defaultThresholds(classes);
  const t = parseThresholds(await r.text(), 'packetclip-edge.thresholds');
  checkClasses(t, classes, 'packetclip-edge.thresholds');
  return t;
}

/** A fresh engine per capture (the window and feature state start empty, as in `run`). SIMD when the browser has it. */
async function engineFor(blob: Uint8Array): Promise<Engine> {
  try {
    return await loadEngine(blob, { simd: true, wasm: new URL('packetclip.simd.wasm', location.href) });
  } catch (e) {
    if (e instanceof WebAssembly.CompileError) return loadEngine(blob, { simd: false, wasm: new URL('packetclip.wasm', location.href) });
    throw e;
  }
}

function download(name: string, text: string, what: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
  a.download = name;
  a.textContent = what;
  return a;
}

async function classifyCapture(name: string, bytes: Uint8Array, blob: Uint8Array): Promise<void> {
  $('downloads').replaceChildren();
  document.body.dataset.state = 'running';
  const engine = await engineFor(blob);
  const classes = engine.info.classes;
  const lines: string[] = [];
  const run = new PacketClassifier(engine, { format: 'jsonl', thresholds: await thresholdsFor(classes) }, (l) => lines.push(l));
  const collector = new ReportCollector(classes);
  let error: string | undefined;
  const t0 = performance.now();
  try {
    let n = 0;
    for (const p of parseCaptureBytes(bytes)) {
      const c = run.push(p);
      collector.packet(c.facts, c.label, c.probs);
      if (++n % SLICE === 0) {
        status(`${name}: ${n} packets…`);
        await new Promise((r) => setTimeout(r, 0));
      }
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    run.fault(error, e instanceof PcapError ? e.offset : undefined);
  }
  run.finish();
  const packets = run.tally.packets;
  const alerts = run.tally.alerts;
  const seconds = (performance.now() - t0) / 1000;
  // `run --format eve` writes the alerts, then the same error line as jsonl after a fault.
  const eveLines = [...alerts.map((a) => formatEveAlert(a, classes, name)), ...(error !== undefined ? [lines[lines.length - 1]!] : [])];
  const text = (ls: readonly string[]): string => ls.map((l) => `${l}\n`).join('');
  const jsonl = text(lines);
  const eve = text(eveLines);
  window.packetclip = { name, build: engine.info.build, packets, jsonl, eve, alerts, error };
  status(`${name}: ${packets} packets in ${seconds.toFixed(1)} s (${engine.info.build} engine), ${alerts.length} alert episode${alerts.length === 1 ? '' : 's'}${error ? `; the capture ends with an error: ${error}` : ''}`, error !== undefined);
  $('downloads').append(download(`${name}.jsonl`, jsonl, 'verdicts (jsonl)'), download(`${name}.eve.json`, eve, 'alerts (eve.json)'));
  const frame = $<HTMLIFrameElement>('report');
  frame.srcdoc = renderReport({ title: `packetclip report: ${name}`, collector, alerts, packets });
  frame.hidden = false;
  document.body.dataset.state = 'done';
}

async function main(): Promise<void> {
  const blob = await fetchBytes('packetclip-edge.pclip');
  status('Ready: drop a capture.');
  document.body.dataset.state = 'ready';
  const take = async (f: File | undefined): Promise<void> => {
    if (f === undefined) return;
    status(`${f.name}: reading…`);
    try {
      await classifyCapture(f.name, new Uint8Array(await f.arrayBuffer()), blob);
    } catch (e) {
      status(`${f.name}: ${e instanceof Error ? e.message : String(e)}`, true);
      document.body.dataset.state = 'error';
    }
  };
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void take(e.dataTransfer?.files[0]);
  });
  $<HTMLInputElement>('file').addEventListener('change', (e) => void take((e.target as HTMLInputElement).files?.[0]));
}

main().catch((e: unknown) => {
  status(`cannot start: ${e instanceof Error ? e.message : String(e)}`, true);
  document.body.dataset.state = 'error';
});
