/** ROC AUC of `scores` for the positives marked in `positive` (Mann-Whitney U with
 *  average ranks for ties, which is what sklearn's roc_auc_score computes). */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number {
  if (scores.length !== positive.length) throw new Error(`rocAuc: ${scores.length} scores, ${positive.length} labels`);
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPositive = 0, nPos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (positive[order[k]!]) { rankSumPositive += averageRank; nPos++; }
    i = j + 1;
  }
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) throw new Error('rocAuc: needs both positives and negatives');
  return (rankSumPositive - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
