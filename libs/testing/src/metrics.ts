/**
 * The value of one sample in Prometheus' text exposition (what `/metrics` answers): the series
 * given whole (`name{labels}`), or by its name alone (its first series then, every Warden
 * series carrying at least the app's label). Undefined when the exposition has none.
 */
export function metricSample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((each) => each.startsWith(`${series} `) || each.startsWith(`${series}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
