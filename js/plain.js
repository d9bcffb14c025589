// Classroom mode's sentence: what the colours and the outlines mean, in plain words. Pure,
// unit-tested.

const FRACTIONS = ["", "", "half", "third", "quarter", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];

/**
 * The units at or above the quantile `q`, in words: "the top quarter" where 1 − q is 1/k for
 * k = 2..10 (to 1e-9: 0.75 is a quarter, 2/3 a third), else a percentage, "the top 30 %" (one
 * decimal at most; two significant digits below 1 %).
 */
export function topShare(q) {
  const share = 1 - q;
  for (let k = 2; k < FRACTIONS.length; k++) if (Math.abs(share * k - 1) < 1e-9) return `the top ${FRACTIONS[k]}`;
  const pct = share * 100;
  return `the top ${pct >= 1 ? +pct.toFixed(1) : +pct.toPrecision(2)} %`;
}

/**
 * One sentence saying what colour and outline mean: `score` is the shown score's name ("TAS"
 * for the norms, said as "activation strength (TAS)"), `unit` "word" or "token", `quantile` the
 * setting. The colours are viridis: dark purple for the lowest value, yellow for the highest.
 */
export function plainSentence(score, unit, quantile) {
  const what = score === "TAS" ? "activation strength (TAS)" : score;
  return (
    `Colour: each ${unit}'s ${what} at this layer, dark purple for low and yellow for high. ` +
    `Outlined: ${topShare(quantile)} (HIGH).`
  );
}
