/*
 * A line diff for the side-by-side view: the longest common subsequence of lines, then rows that
 * pair what was removed on the left with what was added on the right. Definitions are a few
 * hundred lines; the table of lengths is small.
 */

export interface DiffRow {
  kind: 'same' | 'changed' | 'removed' | 'added';
  left?: { number: number; text: string };
  right?: { number: number; text: string };
}

/** Side-by-side rows of `before` against `after`. */
export function sideBySide(before: string, after: string): DiffRow[] {
  const a = before.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  const n = a.length;
  const m = b.length;
  // lengths[i][j]: the LCS of a[i..] and b[j..], in one flat array.
  const lengths = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lengths[at(i, j)] =
        a[i] === b[j]
          ? (lengths[at(i + 1, j + 1)] ?? 0) + 1
          : Math.max(lengths[at(i + 1, j)] ?? 0, lengths[at(i, j + 1)] ?? 0);
  const rows: DiffRow[] = [];
  let removed: { number: number; text: string }[] = [];
  let added: { number: number; text: string }[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      const left = removed[k];
      const right = added[k];
      rows.push({
        kind: left && right ? 'changed' : left ? 'removed' : 'added',
        ...(left ? { left } : {}),
        ...(right ? { right } : {}),
      });
    }
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      rows.push({
        kind: 'same',
        left: { number: i + 1, text: a[i] ?? '' },
        right: { number: j + 1, text: b[j] ?? '' },
      });
      i++;
      j++;
    } else if (j < m && (i === n || (lengths[at(i, j + 1)] ?? 0) >= (lengths[at(i + 1, j)] ?? 0))) {
      added.push({ number: j + 1, text: b[j] ?? '' });
      j++;
    } else {
      removed.push({ number: i + 1, text: a[i] ?? '' });
      i++;
    }
  }
  flush();
  return rows;
}
