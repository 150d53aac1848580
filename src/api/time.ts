// Times as kube's API types write them.

/** RFC 3339 at second precision, as metav1.Time marshals. */
export function rfc3339(d: Date): string {
  // Writes stamp many times a second (managedFields, conditions, Events): the second's text is kept.
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastText = d.toISOString().replace(/\.\d{3}Z$/, 'Z'); // an invalid date (NaN) throws here, every time
    lastSecond = second;
  }
  return lastText;
}
let lastSecond = NaN;
let lastText = '';

/** RFC 3339 with microseconds, as metav1.MicroTime marshals (Leases, events.k8s.io eventTime). */
export function microTime(d: Date): string {
  // The second's text is kept, as rfc3339 keeps it; the milliseconds are appended as microseconds.
  const ms = d.getTime();
  const second = Math.floor(ms / 1000);
  if (second !== microSecond) {
    microPrefix = d.toISOString().slice(0, -4); // up to the '.' before the milliseconds; an invalid date throws
    microSecond = second;
  }
  const milli = ms - second * 1000;
  return `${microPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}000Z`;
}
let microSecond = NaN;
let microPrefix = '';
