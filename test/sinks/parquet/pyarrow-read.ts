/**
 * Reads the cold store with pyarrow (an implementation independent of the JavaScript writer): every
 * complete part file of a dataset through pyarrow.dataset with Hive partitioning, one JSON object per row
 * plus the partition columns. Temporary files are excluded the way any reader excludes them (hidden names).
 */
import { spawnSync } from 'node:child_process';
import { pyarrowPython } from '../../services/pyarrow.js';

const SCRIPT = String.raw`
import json, math, sys, os
import pyarrow.dataset as ds
root = sys.argv[1]
if not os.path.isdir(root):
    sys.exit(0)
d = ds.dataset(root, format='parquet', partitioning='hive')
for batch in d.to_batches():
    for row in batch.to_pylist():
        out = {}
        for k, v in row.items():
            if hasattr(v, 'timestamp'):
                out[k] = round(v.timestamp() * 1000)
            elif isinstance(v, float) and not math.isfinite(v):
                out[k] = str(v)
            else:
                out[k] = v
        print(json.dumps(out))
`;

export function readWithPyarrow(dir: string): Record<string, unknown>[] {
  const r = spawnSync(pyarrowPython(), ['-c', SCRIPT, dir], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`pyarrow could not read ${dir}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
