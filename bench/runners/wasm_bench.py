#!/usr/bin/env python3
"""The engine benchmark in a Python-hosted Wasm runtime, written in the
project's benchmark schema, version 1 (docs/bench-format.md):

    wasm_bench.py wasmtime|wasm3 ENGINE.wasm MODEL.pclip [--packets N] [--reps R] [--warmup W] [-o OUT.json]

The runtimes and their loading are those of firmware/conformance/wasm_driver.py
(PyPI `wasmtime`, `pywasm3`; /usr/bin/python3 in CI). Inputs are quantized
features from the project LCG (seed 42, as pce-bench), written at
pce_input_ptr(); measured: `push` (streaming decision) and `recompute` (full
window), each the median, minimum and MAD over R repetitions of N items after
W warm-up repetitions. Time includes the host call overhead of the runtime's
Python binding, which for wasm3 and short calls is a large part: compare
runtimes by instructions (bench/instructions.ts) for the engine alone.
wasm3 has no SIMD: pass build/packetclip.wasm.
"""
import argparse
import json
import os
import platform
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'firmware', 'conformance'))
from wasm_driver import Wasm3, Wasmtime  # noqa: E402

EXPORTS = ('pce_blob_alloc', 'pce_init', 'pce_push', 'pce_recompute', 'pce_input_ptr', 'pce_dim', 'pce_arena_bytes',
           'pce_memory_bytes')


def lcg(state):
    while True:
        state = (state * 1664525 + 1013904223) & 0xffffffff
        yield state


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return f'fnv1a64:{h:016x}'


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.split(':')[0].strip() in ('model name', 'cpu model', 'Processor'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def stats(times):
    s = sorted(times)
    med = s[len(s) // 2]
    dev = sorted(abs(x - med) for x in s)
    return med, s[0], dev[len(dev) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('runtime', choices=('wasmtime', 'wasm3'))
    ap.add_argument('wasm')
    ap.add_argument('model')
    ap.add_argument('--packets', type=int, default=200)
    ap.add_argument('--reps', type=int, default=15)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('-o', '--output')
    a = ap.parse_args()
    rt = {'wasmtime': Wasmtime, 'wasm3': Wasm3}[a.runtime](a.wasm)
    rt.instantiate()
    # wasm_driver binds the conformance exports; add the ones timed here.
    if a.runtime == 'wasmtime':
        ex = rt.wasmtime.Instance(rt.store, rt.module, []).exports(rt.store)
        rt.mem = ex['memory']
        fn = {n: (lambda f: (lambda *x: f(rt.store, *x) & 0xffffffff))(ex[n]) for n in EXPORTS}
    else:
        fn = {n: (lambda f: (lambda *x: f(*x) & 0xffffffff))(rt.rt.find_function(n)) for n in EXPORTS}
    blob = open(a.model, 'rb').read()
    ptr = fn['pce_blob_alloc'](len(blob))
    rt.write(ptr, blob)
    code = fn['pce_init'](ptr, len(blob))
    if code != 0:
        raise SystemExit(f'pce_init failed with code {code}')
    P, A = fn['pce_dim'](0), fn['pce_dim'](5)
    g = lcg(42)
    stream = [struct.pack(f'<{P}h', *[((next(g) >> 16) ^ 0x8000) - 0x8000 for _ in range(P)]) for _ in range(256)]
    inp = fn['pce_input_ptr']()
    k = [0]

    def push():
        rt.write(inp, stream[k[0] & 255])
        k[0] += 1
        fn['pce_push']()

    def recompute():
        fn['pce_recompute']()

    results = []
    for name, item, n in (('push', push, a.packets), ('recompute', recompute, max(1, a.packets // 4))):
        times = []
        for r in range(a.warmup + a.reps):
            t0 = time.perf_counter_ns()
            for _ in range(n):
                item()
            if r >= a.warmup:
                times.append((time.perf_counter_ns() - t0) / n)
        med, mn, mad = stats(times)
        results.append({'name': name, 'scope': 'kernel', 'iterations': n * a.reps, 'medianNs': med, 'minNs': mn, 'madNs': mad,
                        'perSecond': 1e9 / med, 'opsPerItem': None, 'opsPerSecond': None})
    if a.runtime == 'wasmtime':
        import importlib.metadata as md
        version = f"wasmtime-py {md.version('wasmtime')}"
    else:
        import importlib.metadata as md
        version = f"pywasm3 {md.version('pywasm3')}"
    u = platform.uname()
    out = {
        'format': 'packetclip-bench', 'version': 1, 'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
        'tool': f'bench/runners/wasm_bench.py {a.runtime}',
        'machine': {'uname': f'{u.system} {u.release} {u.version} {u.machine}', 'arch': u.machine, 'cpuModel': cpu_model(),
                    'cores': os.cpu_count() or 1, 'clockMHz': None},
        'model': {'name': os.path.basename(a.model), 'hash': fnv1a64(blob), 'blobBytes': len(blob), 'window': A},
        'peak': None,
        'runs': [{'runtime': a.runtime, 'build': 'simd' if 'simd' in os.path.basename(a.wasm) else 'scalar',
                  'version': f'{version}, Python {platform.python_version()}', 'results': results}],
        'memory': {'blobBytes': len(blob), 'arenaBytes': fn['pce_arena_bytes'](), 'linearMemoryBytes': fn['pce_memory_bytes'](),
                   'hostRssBytes': rss_bytes()},
    }
    text = json.dumps(out, indent=2) + '\n'
    if a.output:
        with open(a.output, 'w') as f:
            f.write(text)
    else:
        sys.stdout.write(text)


def rss_bytes():
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


if __name__ == '__main__':
    main()
