/**
 * Kernel dispatch: the build picks the directory. `ASC_FEATURE_SIMD` is a
 * compile-time constant, so each build compiles exactly one branch and the
 * other directory's code never reaches the binary (the scalar build has no
 * v128 at all). Everything else imports kernels from here.
 */
import * as attentionRef from './attention';
import * as attentionSimd from './simd/attention';
import * as gemvRef from './gemv';
import * as gemvSimd from './simd/gemv';
import * as gnnRef from './gnn';
import * as gnnSimd from './simd/gnn';
import * as lnRef from './layernorm';
import * as lnSimd from './simd/layernorm';
import * as lutRef from './lut';
import * as lutSimd from './simd/lut';
import * as rqRef from './requant';
import * as rqSimd from './simd/requant';
import * as smRef from './softmax';
import * as smSimd from './simd/softmax';

@inline export function gemv(op: usize, x: usize, y: usize): void {
  if (ASC_FEATURE_SIMD) gemvSimd.gemv(op, x, y); else gemvRef.gemv(op, x, y);
}

@inline export function gnn_aggregate(layer: usize, Y: usize, X: usize): void {
  if (ASC_FEATURE_SIMD) gnnSimd.gnn_aggregate(layer, Y, X); else gnnRef.gnn_aggregate(layer, Y, X);
}

@inline export function gnn_dense(layer: usize, Xprev: usize, Y: usize): void {
  if (ASC_FEATURE_SIMD) gnnSimd.gnn_dense(layer, Xprev, Y); else gnnRef.gnn_dense(layer, Xprev, Y);
}

@inline export function attention(p: usize, q: usize, kt: usize, vt: usize, o: usize): void {
  if (ASC_FEATURE_SIMD) attentionSimd.attention(p, q, kt, vt, o); else attentionRef.attention(p, q, kt, vt, o);
}

@inline export function layernorm(p: usize, r: usize, y: usize): void {
  if (ASC_FEATURE_SIMD) lnSimd.layernorm(p, r, y); else lnRef.layernorm(p, r, y);
}

@inline export function requant_gemv(acc: usize, mult: usize, n: i32, S: i32, relu: i32, out: usize): void {
  if (ASC_FEATURE_SIMD) rqSimd.requant_gemv(acc, mult, n, S, relu, out); else rqRef.requant_gemv(acc, mult, n, S, relu, out);
}

@inline export function residual(x: usize, M: i32, S: i32, a: usize, n: i32, out: usize): void {
  if (ASC_FEATURE_SIMD) rqSimd.residual(x, M, S, a, n, out); else rqRef.residual(x, M, S, a, n, out);
}

@inline export function softmax_probs(logits: usize, C: i32, PM: i32, PS: i32, T: usize, probs: usize): i32 {
  if (ASC_FEATURE_SIMD) return smSimd.softmax_probs(logits, C, PM, PS, T, probs);
  return smRef.softmax_probs(logits, C, PM, PS, T, probs);
}

@inline export function lut_i32(T: usize, u: usize, n: i32, out: usize): void {
  if (ASC_FEATURE_SIMD) lutSimd.lut_i32(T, u, n, out); else lutRef.lut_i32(T, u, n, out);
}

@inline export function lut_i16(T: usize, u: usize, n: i32, out: usize): void {
  if (ASC_FEATURE_SIMD) lutSimd.lut_i16(T, u, n, out); else lutRef.lut_i16(T, u, n, out);
}
