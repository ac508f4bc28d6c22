/**
 * A processor process whose wall clock is off by a fixed amount, as on a
 * host whose clock drifted: Date.now() and `new Date()` without arguments
 * read `skewMs` off; dates built from a value, monotonic clocks
 * (performance.now, process.hrtime) and timers are untouched, as they would
 * be on such a host. Everything in the process moves together (the handler,
 * the engine, the SDK's request signing, and the local mapping, which runs in
 * the same process; on AWS the mapping has AWS's clock, but it only measures
 * durations with it unless a maximum record age is set).
 *
 * The preload is passed as a data: URL so no JavaScript file needs to sit
 * outside the TypeScript project; it is plain JavaScript, kept small.
 */
const PRELOAD = `
const skew = SKEW_MS;
const RealDate = globalThis.Date;
const realNow = RealDate.now.bind(RealDate);
globalThis.Date = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    return Reflect.construct(target, args.length === 0 ? [realNow() + skew] : args, newTarget === globalThis.Date ? target : newTarget);
  },
  apply() {
    return new RealDate(realNow() + skew).toString();
  },
  get(target, property, receiver) {
    return property === 'now' ? () => realNow() + skew : Reflect.get(target, property, receiver);
  },
});
`;

/** The processor environment that skews its wall clock by `skewMs` (positive: ahead). */
export function skewedClockEnvironment(skewMs: number): Record<string, string> {
  if (!Number.isSafeInteger(skewMs)) throw new RangeError(`clock skew ${skewMs} ms is not a whole number of milliseconds`);
  const source = PRELOAD.replace('SKEW_MS', String(skewMs));
  return { NODE_OPTIONS: `--import=data:text/javascript;base64,${Buffer.from(source).toString('base64')}` };
}
