#!/usr/bin/env python3
"""Runs the engine .wasm in a Python-hosted runtime for the conformance suite
(docs/conformance.md): wasmtime (PyPI `wasmtime`) or wasm3 (PyPI `pywasm3`).

    wasm_driver.py wasmtime|wasm3 ENGINE.wasm MODEL.pclip OUT_DIR FRAMES...

Each FRAMES file holds the packets the Node reader read from one capture
(conformance.mjs writes it): records of five little-endian u32 (captured
length, link type, timestamp low and high halves of the signed microsecond
count, wire length) followed by the captured bytes. For each one the driver
loads the model into a fresh instance (docs/engine-abi.md life cycle), pushes
every frame through pce_push_packet and writes OUT_DIR/<name>.q15: one line
per packet, "k q0 q1 ..." (class index and the Q15 probabilities).
"""
import os
import struct
import sys

REC = struct.Struct('<5I')


def i32(x):
    return x - (1 << 32) if x >= 1 << 31 else x


class Wasmtime:
    def __init__(self, wasm):
        import wasmtime
        cfg = wasmtime.Config()
        cfg.wasm_simd = True
        self.store = wasmtime.Store(wasmtime.Engine(cfg))
        module = wasmtime.Module.from_file(self.store.engine, wasm)
        self.module = module
        self.wasmtime = wasmtime

    def instantiate(self):
        inst = self.wasmtime.Instance(self.store, self.module, [])
        ex = inst.exports(self.store)
        self.mem = ex['memory']
        s = self.store
        self.fn = {name: (lambda f: (lambda *a: f(s, *map(i32, a)) & 0xffffffff))(ex[name])
                   for name in ('pce_blob_alloc', 'pce_init', 'pce_push_packet', 'pce_probs_ptr',
                                'pce_packet_buf_ptr', 'pce_packet_capacity', 'pce_dim')}

    def write(self, ptr, data):
        self.mem.write(self.store, data, ptr)

    def read(self, ptr, n):
        return self.mem.read(self.store, ptr, ptr + n)


class Wasm3:
    def __init__(self, wasm):
        import wasm3
        self.wasm3 = wasm3
        self.bytes = open(wasm, 'rb').read()

    def instantiate(self):
        env = self.wasm3.Environment()
        self.rt = env.new_runtime(1 << 20)
        self.rt.load(env.parse_module(self.bytes))
        self.fn = {name: (lambda f: (lambda *a: f(*map(i32, a)) & 0xffffffff))(self.rt.find_function(name))
                   for name in ('pce_blob_alloc', 'pce_init', 'pce_push_packet', 'pce_probs_ptr',
                                'pce_packet_buf_ptr', 'pce_packet_capacity', 'pce_dim')}

    def write(self, ptr, data):
        mem = self.rt.get_memory(0)  # a fresh view: memory may have grown
        mem[ptr:ptr + len(data)] = data

    def read(self, ptr, n):
        return bytes(self.rt.get_memory(0)[ptr:ptr + n])


def run(rt, blob, frames_path, out_path):
    rt.instantiate()
    f = rt.fn
    ptr = f['pce_blob_alloc'](len(blob))
    rt.write(ptr, blob)
    code = f['pce_init'](ptr, len(blob))
    if code != 0:
        raise SystemExit(f'pce_init failed with code {code}')
    classes = f['pce_dim'](10)
    buf, cap = f['pce_packet_buf_ptr'](), f['pce_packet_capacity']()
    probs = f['pce_probs_ptr']()
    data = open(frames_path, 'rb').read()
    lines = []
    p = 0
    fmt = struct.Struct(f'<{classes}i')
    while p < len(data):
        n, link, lo, hi, orig = REC.unpack_from(data, p)
        p += REC.size
        frame = data[p:p + n]
        p += n
        m = min(n, cap)
        rt.write(buf, frame[:m])
        k = f['pce_push_packet'](m, link, lo, hi, max(orig, n))
        if k >= 0x80000000:
            raise SystemExit(f'pce_push_packet failed with {k - (1 << 32)}')
        q = fmt.unpack(rt.read(probs, 4 * classes))
        lines.append(f'{k} ' + ' '.join(map(str, q)))
    with open(out_path, 'w') as out:
        out.write(''.join(line + '\n' for line in lines))
    return len(lines)


def main():
    kind, wasm, model, out_dir = sys.argv[1:5]
    rt = {'wasmtime': Wasmtime, 'wasm3': Wasm3}[kind](wasm)
    blob = open(model, 'rb').read()
    total = 0
    for frames in sys.argv[5:]:
        name = os.path.basename(frames)[:-len('.frames')]
        total += run(rt, blob, frames, os.path.join(out_dir, name + '.q15'))
    print(total)


if __name__ == '__main__':
    main()
