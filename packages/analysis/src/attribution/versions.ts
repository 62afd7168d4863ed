// Loose version comparison for kernels, engines and runtimes: "4.4.0-98-generic", "v1.7.2",
// "24.0.7", "1.1.12+ds1". Numeric parts are compared in order; missing parts count as 0.

export function versionParts(v: string): number[] {
  const m = v.trim().replace(/^v/i, '').match(/\d+/g);
  return m ? m.map(Number) : [];
}

/** Negative, 0 or positive like a sort comparator. */
export function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Only the first `parts` numeric parts: kernel 4.4.0-98 vs "4.0" compares 4.4 with 4.0. */
export function versionAtLeast(v: string, min: string, parts = versionParts(min).length): boolean {
  return compareVersions(versionParts(v).slice(0, parts).join('.'), min) >= 0;
}
