/**
 * Profiling build (targets profile-simd / profile-scalar in asconfig.json):
 * the engine's exports plus `prof_stage(stage, reps)`, which runs one stage
 * of the per-packet pass `reps` times on the current state, so
 * bench/engine-stages.bench.ts can time each stage on a real blob. Not shipped.
 */
export * from './engine';
import { explainConcepts, frame, missions, project, pushPacket, stageAttention, stageQkv, tail } from './model';

/** Stages: 0 whole push, 1 projection, 2 projection + GNN, 3 q/k/v, 4 attention, 5 tail (eqs. 14-17), 6 = 2 + explain. */
export function prof_stage(stage: i32, reps: i32): i32 {
  let r = 0;
  for (let i = 0; i < reps; i++) {
    switch (stage) {
      case 0: r += pushPacket(); break;
      case 1: r += <i32>project(); break;
      case 2: missions(project()); break;
      case 3: stageQkv(); break;
      case 4: stageAttention(); break;
      case 5: r += tail(frame); break;
      case 6: missions(project()); explainConcepts(); break;
      default: return -1;
    }
  }
  return r;
}
